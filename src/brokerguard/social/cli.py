"""``brokerguard social``: registers, posts, disclosure profile and checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from brokerguard.cli import runtime
from brokerguard.errors import ValidationError
from brokerguard.registerkit.cli import DecisionOption, add_register_commands, apply_decision
from brokerguard.registerkit.commands import parse_assignments
from brokerguard.social import service
from brokerguard.social.fetch import FetchPolicy
from brokerguard.social.registers import REGISTERS

app = typer.Typer(help="社群媒體 / Social media (Art. 5).", no_args_is_help=True)
for _spec in REGISTERS:
    add_register_commands(app, _spec)
posts = typer.Typer(help="Publishing workflow: draft -> approve -> publish.", no_args_is_help=True)
app.add_typer(posts, name="posts")


@posts.command("list")
@runtime.handle_errors
def posts_list(status: Annotated[str | None, typer.Option()] = None) -> None:
    ctx = runtime.context()
    with ctx.session() as session:
        rows = [
            service.post_summary(session, p) for p in service.list_posts(session, status=status)
        ]
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@posts.command("draft")
@runtime.handle_errors
def posts_draft(
    account: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    body_file: Annotated[Path, typer.Option("--body-file", help="UTF-8 text of the post")],
    author: Annotated[str, typer.Option()],
) -> None:
    if not body_file.is_file() or body_file.stat().st_size > 200_000:
        raise ValidationError("--body-file must be a text file under 200 kB", field="body")
    try:
        body = body_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError("--body-file is not UTF-8 text", field="body") from None
    ctx = runtime.context()
    with ctx.session() as session:
        row = service.draft_post(
            session, ctx.clock, account=account, title=title, body=body, actor=author
        )
        runtime.console.print(f"draft {row.id}")


@posts.command("review")
@runtime.handle_errors
def posts_review(
    post_id: str,
    decision: DecisionOption,
    reviewer: Annotated[str, typer.Option()],
    note: Annotated[str, typer.Option()] = "",
) -> None:
    ctx = runtime.context()
    with ctx.session() as session:
        apply_decision(
            decision,
            approve=lambda: service.approve_post(
                session, ctx.clock, post_id, approver=reviewer, note=note
            ),
            reject=lambda: service.reject_post(
                session, ctx.clock, post_id, approver=reviewer, note=note
            ),
        )
    runtime.console.print(f"{decision}d {post_id}")


@posts.command("publish")
@runtime.handle_errors
def posts_publish(
    post_id: str,
    publisher: Annotated[str, typer.Option()],
    url: Annotated[str, typer.Option()] = "",
) -> None:
    ctx = runtime.context()
    with ctx.session() as session:
        service.publish_post(session, ctx.clock, post_id, publisher=publisher, url=url)
    runtime.console.print(f"published {post_id}")


@app.command("profile")
@runtime.handle_errors
def profile_command(
    values: Annotated[
        list[str] | None, typer.Option("--set", help="firm_name=..., address=..., ...")
    ] = None,
) -> None:
    """Show, or with --set change, what every official account must disclose."""
    ctx = runtime.context()
    with ctx.session() as session:
        if values:
            current = service.profile_dict(service.get_profile(session))
            current.update({k: str(v) for k, v in parse_assignments(values).items()})
            service.set_profile(session, ctx.clock, current, "cli")
        data = service.profile_dict(service.get_profile(session))
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("check-disclosures")
@runtime.handle_errors
def check_disclosures() -> None:
    """Fetch every active official account's page; exit 1 when one lacks an item."""
    ctx = runtime.context()
    cfg = ctx.settings.social
    policy = FetchPolicy(timeout_s=cfg.fetch_timeout_s, max_bytes=cfg.fetch_max_bytes)
    with ctx.session() as session:
        rows = service.check_all_disclosures(session, ctx.clock, policy=policy)
        summaries = [service.check_summary(session, r) for r in rows]
    for item in summaries:
        runtime.console.print(
            f"{item['account']}\t{item['outcome']}\t{','.join(item['missing'])}\t{item['detail']}",
            highlight=False,
        )
    if any(item["outcome"] != "pass" for item in summaries):
        raise typer.Exit(1)
