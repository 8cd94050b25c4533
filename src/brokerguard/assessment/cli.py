"""``brokerguard assess``: run the checks, show a table or JSON, exit 1 when a control fails."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from brokerguard.assessment.engine import checks_in_scope, requirements_in_scope, run_assessment
from brokerguard.assessment.registry import CheckDefinition, Status, load_all_checks
from brokerguard.assessment.results import AssessmentSnapshot
from brokerguard.cli import runtime
from brokerguard.i18n import pick
from brokerguard.rulebook import load_rulebook

STATUS_STYLE = {
    Status.passed: "green",
    Status.failed: "red",
    Status.manual: "yellow",
    Status.error: "magenta",
    Status.not_applicable: "dim",
}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def snapshot_to_json(snapshot: AssessmentSnapshot) -> dict[str, object]:
    return {
        "run_id": snapshot.run_id,
        "started_at": snapshot.started_at.isoformat(),
        "finished_at": snapshot.finished_at.isoformat(),
        "scope": snapshot.scope,
        "counts": {status.value: n for status, n in snapshot.counts().items()},
        "requirements": [
            {
                "id": r.requirement_id,
                "status": r.status.value,
                "checks": list(r.check_ids),
                "reason_zh": r.reason_zh,
                "reason_en": r.reason_en,
                "last_passed_at": r.last_passed_at.isoformat() if r.last_passed_at else None,
            }
            for r in snapshot.requirements.values()
        ],
        "checks": [
            {
                "id": c.check_id,
                "requirements": list(c.requirement_ids),
                "status": c.status.value,
                "reason_zh": c.reason_zh,
                "reason_en": c.reason_en,
                "evidence": list(c.evidence),
                "duration_ms": c.duration_ms,
            }
            for c in snapshot.checks
        ],
    }


def print_table(snapshot: AssessmentSnapshot, language: str) -> None:
    rulebook = load_rulebook()
    table = Table(title=pick(language, "自評結果", "Self-assessment"), show_lines=False)
    table.add_column("ID", no_wrap=True)
    table.add_column(pick(language, "條文", "Requirement"))
    table.add_column(pick(language, "狀態", "Status"), no_wrap=True)
    table.add_column(pick(language, "說明", "Reason"))
    checks = {c.check_id: c for c in snapshot.checks}
    for requirement in rulebook.ordered():
        outcome = snapshot.requirements.get(requirement.id)
        if outcome is None:
            continue
        reasons = [
            pick(language, checks[c].reason_zh, checks[c].reason_en) for c in outcome.check_ids
        ]
        reason = "; ".join(reasons) or pick(language, outcome.reason_zh, outcome.reason_en)
        label = outcome.status.label_zh if language == "zh-TW" else outcome.status.label_en
        table.add_row(
            requirement.id,
            pick(language, requirement.title_zh, requirement.title_en) or requirement.text_en[:60],
            f"[{STATUS_STYLE[outcome.status]}]{label}[/]",
            reason,
        )
    runtime.console.print(table)
    counts = snapshot.counts()
    runtime.console.print(" ".join(f"{s.value}={counts[s]}" for s in Status))


@runtime.handle_errors
def assess(
    only: Annotated[
        str | None, typer.Option("--only", help="a requirement ID or prefix, e.g. A9 or A6.3")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    lang: Annotated[str, typer.Option("--lang")] = "zh-TW",
) -> None:
    """Run the automated checks; exit 1 when any control fails or errors."""
    rulebook = load_rulebook()
    requirements = requirements_in_scope(rulebook, only)
    total = len(checks_in_scope(load_all_checks().all(), requirements))
    ctx = runtime.context()
    with ctx.session() as session:
        if output is OutputFormat.table:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=runtime.err_console,
                transient=True,
            ) as bar:
                task = bar.add_task("assessing", total=total)

                def advance(definition: CheckDefinition) -> None:
                    bar.update(task, advance=1, description=definition.id)

                snapshot = run_assessment(
                    session, ctx.settings, ctx.clock, scope=only, progress=advance
                )
            print_table(snapshot, lang)
        else:
            snapshot = run_assessment(session, ctx.settings, ctx.clock, scope=only)
            typer.echo(json.dumps(snapshot_to_json(snapshot), ensure_ascii=False, indent=2))
    counts = snapshot.counts()
    if counts[Status.failed] or counts[Status.error]:
        raise typer.Exit(runtime.EXIT_FAILED)
