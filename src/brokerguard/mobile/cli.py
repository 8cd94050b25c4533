"""``brokerguard app``: analyse artifacts, run the release gate, keep the app registry.

Contract (CI pipelines rely on it):

- ``brokerguard app analyze FILE [--json]``: exit 0 with the facts and findings; a bad
  artifact exits 2 (with ``--json``: ``{"error": {"code", "message"}}`` on stdout).
- ``brokerguard app gate FILE --app ID [--json]``: exit 0 when the release may ship,
  1 with the failed rules when it may not, 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from brokerguard.cli import runtime
from brokerguard.clock import parse_date, to_taipei
from brokerguard.errors import BrokerguardError, NotFoundError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact
from brokerguard.mobile.approvals import approve_release, parse_unit
from brokerguard.mobile.gate import GateResult, evaluate_gate, publish_release
from brokerguard.mobile.listing import (
    compare_published,
    fetch_published,
    listing_html,
    listing_json,
    official_listing,
)
from brokerguard.mobile.registry import (
    find_release,
    get_app,
    register_app,
    register_release,
    set_purpose,
)
from brokerguard.mobile.review import import_checklist
from brokerguard.mobile.testing import lab_test_due
from brokerguard.staff.service import list_staff
from brokerguard.tabular import ImportMode

app = typer.Typer(
    help="行動應用程式資安管理 A6.3 / Mobile-app security: analysis, release gate, registry.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="print one JSON object")]


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(error: BrokerguardError, as_json: bool) -> NoReturn:
    if as_json:
        _emit({"error": {"code": error.code, "message": error.message}})
    else:
        runtime.err_console.print(
            f"[red]error[/red] ({error.code}): {error.message}", highlight=False
        )
    raise typer.Exit(runtime.exit_code_for(error))


def _print_report(report: ArtifactReport) -> None:
    facts = report.facts
    console = runtime.console
    console.print(f"[bold]{facts.artifact_name}[/bold] ({report.platform})", highlight=False)
    console.print(f"  package   {facts.package}", highlight=False)
    console.print(f"  version   {facts.version_name} ({facts.version_code})", highlight=False)
    console.print(f"  sha256    {facts.artifact_sha256}", highlight=False)
    for permission in report.permissions:
        console.print(f"  permission {permission}", highlight=False)
    for cert in report.signing_certificates:
        console.print(f"  signer    {cert}", highlight=False)
    for finding in report.findings:
        console.print(
            f"  [{finding.severity}] {finding.rule}: {finding.title_en} "
            f"({', '.join(finding.owasp)}) {finding.detail}",
            highlight=False,
        )


@app.command("analyze")
def analyze(file: Path, as_json: JsonFlag = False) -> None:
    """Analyse an APK or IPA: manifest, permissions, signing, code heuristics, findings."""
    try:
        report = analyze_artifact(file)
    except BrokerguardError as error:
        _fail(error, as_json)
    if as_json:
        _emit(report.to_dict())
    else:
        _print_report(report)


def _print_gate(result: GateResult) -> None:
    console = runtime.console
    verdict = "[green]PASS[/green]" if result.passed else "[red]FAIL[/red]"
    console.print(f"release gate {verdict}: {result.app} {result.version_name}", highlight=False)
    if result.added_permissions or result.removed_permissions:
        console.print(
            f"  permissions +{result.added_permissions} -{result.removed_permissions}",
            highlight=False,
        )
    for outcome in result.outcomes:
        mark = "ok  " if outcome.passed else "FAIL"
        console.print(f"  {mark} {outcome.rule}: {outcome.message_en}", highlight=False)


@app.command("gate")
def gate(
    file: Path,
    app_id: Annotated[str, typer.Option("--app", help="registered app ID")],
    as_json: JsonFlag = False,
    major: Annotated[
        bool | None,
        typer.Option("--major/--not-major", help="override the release's major-update flag"),
    ] = None,
) -> None:
    """Exit 0 when the artifact may ship as the app's next release, 1 when it may not."""
    ctx = runtime.context()
    settings = ctx.settings.mobile
    try:
        report = analyze_artifact(file)
        with ctx.session() as session:
            registered = get_app(session, app_id)
            result = evaluate_gate(
                session,
                ctx.clock,
                registered,
                report,
                major_update=major,
                lab_test_valid_days=settings.lab_test_valid_days,
            )
    except BrokerguardError as error:
        _fail(error, as_json)
    if as_json:
        _emit(result.to_dict())
    else:
        _print_gate(result)
    raise typer.Exit(0 if result.passed else runtime.EXIT_FAILED)


@app.command("register")
@runtime.handle_errors
def register_command(
    app_id: Annotated[str, typer.Option("--app", help="new app ID, e.g. trade-android")],
    name_zh: Annotated[str, typer.Option("--name-zh")],
    name_en: Annotated[str, typer.Option("--name-en")],
    platform: Annotated[str, typer.Option(help="android or ios")],
    package: Annotated[str, typer.Option(help="package name or bundle ID")],
    cert: Annotated[
        list[str] | None, typer.Option("--cert", help="official signer SHA-256")
    ] = None,
    store_url: Annotated[list[str] | None, typer.Option("--store-url")] = None,
    download_url: Annotated[str, typer.Option("--download-url")] = "",
    internal: Annotated[bool, typer.Option("--internal", help="not customer-facing")] = False,
    actor: Annotated[str, typer.Option("--by")] = "cli",
) -> None:
    """Register an app in the registry."""
    ctx = runtime.context()
    with ctx.session() as session:
        row = register_app(
            session,
            ctx.clock,
            slug=app_id,
            name_zh=name_zh,
            name_en=name_en,
            platform=platform,
            package_name=package,
            actor=actor,
            customer_facing=not internal,
            store_urls=store_url or [],
            download_url=download_url,
            official_cert_sha256=cert or [],
        )
        runtime.console.print(f"registered app {row.slug} ({row.package_name})", highlight=False)


@app.command("purpose")
@runtime.handle_errors
def purpose(
    app_id: Annotated[str, typer.Option("--app")],
    permission: Annotated[str, typer.Option()],
    zh: Annotated[str, typer.Option("--zh", help="用途說明（中文）")],
    en: Annotated[str, typer.Option("--en", help="purpose in English")],
    actor: Annotated[str, typer.Option("--by")] = "cli",
) -> None:
    """State why the app needs a permission (A6.3.1.1)."""
    ctx = runtime.context()
    with ctx.session() as session:
        registered = get_app(session, app_id)
        set_purpose(
            session,
            ctx.clock,
            registered,
            permission=permission,
            purpose_zh=zh,
            purpose_en=en,
            actor=actor,
        )
    runtime.console.print(f"purpose of {permission} recorded", highlight=False)


@app.command("release")
@runtime.handle_errors
def release(
    file: Path,
    app_id: Annotated[str, typer.Option("--app")],
    major: Annotated[
        list[str] | None,
        typer.Option(
            "--major",
            help="major-update reason: ordering_trading, account_query, "
            "identity_verification, customer_rights",
        ),
    ] = None,
    store: Annotated[str, typer.Option()] = "",
    actor: Annotated[str, typer.Option("--by")] = "cli",
) -> None:
    """Register an artifact as a candidate release (approvals and gate refer to it)."""
    report = analyze_artifact(file)
    ctx = runtime.context()
    with ctx.session() as session:
        registered = get_app(session, app_id)
        row = register_release(
            session,
            ctx.clock,
            registered,
            report,
            actor=actor,
            major_update=bool(major),
            major_reasons=major or [],
            store=store,
        )
        runtime.console.print(
            f"candidate {row.version_name} registered: {row.artifact_sha256}", highlight=False
        )


@app.command("approve")
@runtime.handle_errors
def approve(
    app_id: Annotated[str, typer.Option("--app")],
    artifact_sha256: Annotated[str, typer.Option("--artifact", help="artifact SHA-256")],
    unit: Annotated[str, typer.Option(help="security or compliance")],
    by: Annotated[str, typer.Option("--by", help="staff username of the approver")],
    comment: Annotated[str, typer.Option()],
) -> None:
    """Record one unit's approval of a candidate release (A6.3.1.4)."""
    ctx = runtime.context()
    with ctx.session() as session:
        registered = get_app(session, app_id)
        row = find_release(session, registered, artifact_sha256)
        if row is None:
            raise NotFoundError(f"no candidate with artifact {artifact_sha256}", field="artifact")
        staff = next((s for s in list_staff(session) if s.username == by), None)
        if staff is None:
            raise NotFoundError(f"no staff user {by!r}", field="by")
        approve_release(
            session,
            ctx.clock,
            row,
            unit=parse_unit(unit),
            approver=staff.username,
            approver_roles=staff.roles,
            comment=comment,
            settings=ctx.settings,
        )
    runtime.console.print(f"{unit} approval by {by} recorded", highlight=False)


@app.command("publish")
@runtime.handle_errors
def publish(
    file: Path,
    app_id: Annotated[str, typer.Option("--app")],
    released_on: Annotated[str, typer.Option("--date", help="listing date (ISO or ROC)")] = "",
    store: Annotated[str, typer.Option()] = "",
    actor: Annotated[str, typer.Option("--by")] = "cli",
) -> None:
    """Mark a candidate released; refused unless the release gate passes."""
    report = analyze_artifact(file)
    ctx = runtime.context()
    clock = ctx.clock
    try:
        when: date = parse_date(released_on) if released_on else to_taipei(clock.now()).date()
    except ValueError as exc:
        raise ValidationError(str(exc), field="date") from None
    with ctx.session() as session:
        registered = get_app(session, app_id)
        row = find_release(session, registered, report.facts.artifact_sha256)
        if row is None:
            raise NotFoundError("register the artifact with 'app release' first", field="artifact")
        publish_release(
            session,
            clock,
            registered,
            row,
            report,
            released_on=when,
            store=store,
            lab_test_valid_days=ctx.settings.mobile.lab_test_valid_days,
            settings=ctx.settings,
            actor=actor,
        )
    runtime.console.print(f"{registered.slug} {row.version_name} released", highlight=False)


@app.command("listing")
@runtime.handle_errors
def listing(
    fmt: Annotated[str, typer.Option("--format", help="html or json")] = "json",
) -> None:
    """Print the official app list for the firm's website (A6.3.1.2)."""
    if fmt not in ("html", "json"):
        raise ValidationError("format must be html or json", field="format")
    ctx = runtime.context()
    settings = ctx.settings
    with ctx.session() as session:
        entries = official_listing(session)
    if fmt == "json":
        sys.stdout.write(listing_json(entries) + "\n")
    else:
        sys.stdout.write(listing_html(entries, settings.firm_name_zh, settings.firm_name_en))


@app.command("listing-check")
@runtime.handle_errors
def listing_check(
    url: Annotated[str, typer.Option(help="published app list (default: the setting)")] = "",
    actor: Annotated[str, typer.Option("--by")] = "cli",
) -> None:
    """Compare the published app list with the registry; keep the page as evidence.

    Exit 0 when the page lists every released app and version, 1 when it differs.
    """
    ctx = runtime.context()
    mobile = ctx.settings.mobile
    target = url or mobile.listing_url
    if not target:
        raise ValidationError(
            "give --url or set BROKERGUARD_MOBILE_LISTING_URL", field="listing_url"
        )
    content = fetch_published(
        target, timeout_s=mobile.listing_timeout_s, max_bytes=mobile.listing_max_bytes
    )
    with ctx.session() as session:
        problems = compare_published(official_listing(session), content)
        is_json = content.lstrip().startswith(b"{")
        store_evidence(
            session,
            ctx.clock,
            ctx.settings,
            content=content,
            filename="official-app-list." + ("json" if is_json else "html"),
            title=f"官網 APP 清單快照 {target}",
            requirement_ids=["A6.3.1.2"],
            kind="website_snapshot",
            uploaded_by=actor,
        )
    for problem in problems:
        runtime.console.print(f"DIFF {problem}", highlight=False)
    runtime.console.print(
        "published list matches the registry" if not problems else f"{len(problems)} difference(s)",
        highlight=False,
    )
    raise typer.Exit(1 if problems else 0)


@app.command("checklist-import")
@runtime.handle_errors
def checklist_import(
    file: Path,
    version: Annotated[str, typer.Option(help="checklist version, e.g. 2025-appendix")],
) -> None:
    """Import the appendix test-item checklist (CSV/XLSX) used for lab-report review."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{file.name}: cannot read ({exc.strerror})", field="file") from None
    ctx = runtime.context()
    with ctx.session() as session:
        count = import_checklist(
            session, content, file.name, version=version, mode=ImportMode.all_or_nothing
        )
    runtime.console.print(f"imported {count} checklist items as {version}", highlight=False)


@app.command("lab-due")
@runtime.handle_errors
def lab_due(as_json: JsonFlag = False) -> None:
    """Customer-facing apps and when their yearly lab test is due; exit 1 if any is overdue."""
    ctx = runtime.context()
    settings = ctx.settings.mobile
    today = to_taipei(ctx.clock.now()).date()
    from brokerguard.mobile.registry import list_apps

    rows = []
    with ctx.session() as session:
        for registered in list_apps(session):
            if not registered.customer_facing:
                continue
            due = lab_test_due(session, registered, today, settings.lab_test_valid_days)
            rows.append(
                {
                    "app": registered.slug,
                    "last_report": due.last.report_date.isoformat() if due.last else None,
                    "due": due.due.isoformat() if due.due else None,
                    "overdue": due.overdue,
                }
            )
    if as_json:
        _emit({"apps": rows})
    else:
        for row in rows:
            mark = "OVERDUE" if row["overdue"] else "ok"
            runtime.console.print(
                f"{mark:8} {row['app']}: last {row['last_report']}, due {row['due']}",
                highlight=False,
            )
    raise typer.Exit(1 if any(r["overdue"] for r in rows) else 0)
