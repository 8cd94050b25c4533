"""``brokerguard rulebook``: list, show and export the requirements of the rules.

Exit codes: 0 success, 2 bad input (unknown requirement ID, article or kind;
unwritable output file; malformed rulebook directory).
"""

from __future__ import annotations

import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from brokerguard.cli import runtime
from brokerguard.errors import NotFoundError, RulebookError, ValidationError
from brokerguard.rulebook.bindings import loaded_registry
from brokerguard.rulebook.loader import load_from, load_rulebook
from brokerguard.rulebook.model import RequirementKind, ReviewFrequency
from brokerguard.rulebook.oscal import assessment_results, catalog, dumps
from brokerguard.rulebook.query import find, parse_kind, select
from brokerguard.rulebook.schemas import RequirementDetail, RequirementSummary
from brokerguard.rulebook.templates import get_template, list_templates

app = typer.Typer(
    help="規範條文 / the requirements of the rules: list, show, export (OSCAL).",
    no_args_is_help=True,
)


class Language(StrEnum):
    zh_tw = "zh-TW"
    en = "en"


class ExportFormat(StrEnum):
    oscal_catalog = "oscal-catalog"
    oscal_assessment_results = "oscal-assessment-results"


def _echo_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("list")
@runtime.handle_errors
def list_requirements(
    article: Annotated[
        int | None, typer.Option("--article", "-a", help="only this article (1-13)")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help="policy, technical, record, referenced, definition or procedural",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List requirements (ID, kind, review frequency, title)."""
    rulebook = load_rulebook()
    chosen = select(rulebook, article=article, kind=parse_kind(kind))
    if as_json:
        _echo_json(RequirementSummary.listing(chosen, loaded_registry()).model_dump())
        return
    table = Table(title=f"新興科技資通安全自律規範 ({len(chosen)})", show_lines=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("類型 kind", no_wrap=True)
    table.add_column("覆核 review", no_wrap=True)
    table.add_column("標題 title")
    for requirement in chosen:
        depth = requirement.id.count(".") - 1 if requirement.id.startswith("A") else 0
        table.add_row(
            "  " * max(depth, 0) + requirement.id,
            requirement.kind.value,
            requirement.review_frequency.value,
            escape(f"{requirement.title_zh} / {requirement.title_en}"),
        )
    runtime.console.print(table)


@app.command("show")
@runtime.handle_errors
def show(
    requirement_id: Annotated[str, typer.Argument(help="a requirement ID such as A9.7")],
    lang: Annotated[
        Language | None, typer.Option("--lang", help="only this language (default: both)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show one requirement: text, parent, children, evidence kinds and bound checks."""
    rulebook = load_rulebook()
    find(rulebook, requirement_id)
    detail = RequirementDetail.build(rulebook, requirement_id, loaded_registry())
    if as_json:
        data = detail.model_dump()
        if lang is Language.en:
            for key in ("title_zh", "text_zh", "article_label_zh", "article_title_zh"):
                data.pop(key)
        elif lang is Language.zh_tw:
            for key in ("title_en", "text_en", "article_title_en"):
                data.pop(key)
        _echo_json(data)
        return
    out = runtime.console
    zh = lang in (None, Language.zh_tw)
    en = lang in (None, Language.en)
    out.print(f"[bold]{detail.id}[/bold]", highlight=False)
    if zh:
        out.print(f"{detail.article_label_zh} {escape(detail.article_title_zh)}", highlight=False)
        out.print(f"標題：{escape(detail.title_zh)}", highlight=False)
        out.print(f"條文：{escape(detail.text_zh)}", highlight=False)
    if en:
        out.print(f"Article {detail.article} – {escape(detail.article_title_en)}", highlight=False)
        out.print(f"Title: {escape(detail.title_en)}", highlight=False)
        out.print(f"Text: {escape(detail.text_en)}", highlight=False)
    labels = {
        "kind": ("類型", "Kind"),
        "review": ("覆核頻率", "Review"),
        "parent": ("上層", "Parent"),
        "children": ("下層", "Children"),
        "evidence": ("證據類型", "Evidence kinds"),
        "checks": ("檢查項目", "Checks"),
        "templates": ("政策範本", "Policy templates"),
    }

    def label(key: str) -> str:
        zh_label, en_label = labels[key]
        if zh and en:
            return f"{zh_label} {en_label}"
        return zh_label if zh else en_label

    none = "—"
    kind = RequirementKind(detail.kind)
    frequency = ReviewFrequency(detail.review_frequency)
    kind_text = " / ".join(t for t in (zh and kind.label_zh, en and kind.label_en) if t)
    frequency_text = " / ".join(
        t for t in (zh and frequency.label_zh, en and frequency.label_en) if t
    )
    out.print(f"{label('kind')}: {kind_text} ({detail.kind})", highlight=False)
    out.print(f"{label('review')}: {frequency_text}", highlight=False)
    out.print(f"{label('parent')}: {detail.parent or none}", highlight=False)
    out.print(f"{label('children')}: {', '.join(detail.children) or none}", highlight=False)
    out.print(f"{label('evidence')}: {', '.join(detail.evidence_kinds) or none}", highlight=False)
    if detail.templates:
        out.print(f"{label('templates')}: {', '.join(detail.templates)}", highlight=False)
    if not detail.checks:
        manual = "無自動檢查，待人工確認" if zh else "no automated check: manual"
        out.print(f"{label('checks')}: {manual}", highlight=False)
    else:
        out.print(f"{label('checks')}:", highlight=False)
        for check in detail.checks:
            title = " / ".join(t for t in (zh and check.title_zh, en and check.title_en) if t)
            out.print(f"  - {escape(check.id)}: {escape(title)}", highlight=False)


def _write_atomically(target: Path, text: str) -> None:
    directory = target.parent
    if target.is_dir():
        raise ValidationError(f"{target} is a directory", field="output")
    if not directory.is_dir():
        raise ValidationError(f"directory {directory} does not exist", field="output")
    descriptor, temporary = tempfile.mkstemp(prefix=".rulebook-", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _output_path(output: str) -> Path | None:
    """``None`` for stdout (``-``); refuses empty paths and NUL characters."""
    if not output.strip():
        raise ValidationError("give an output file with -o", field="output")
    if "\x00" in output:
        raise ValidationError("the output path contains a NUL character", field="output")
    return None if output == "-" else Path(output).expanduser()


def _emit(target: Path | None, text: str) -> None:
    if target is None:
        typer.echo(text, nl=False)
        return
    try:
        _write_atomically(target, text)
    except OSError as exc:
        raise ValidationError(
            f"cannot write {target}: {exc.strerror or exc}", field="output"
        ) from None


def _assessment_results_text(run_id: str | None) -> tuple[str, str]:
    from brokerguard.assessment.service import get_snapshot, latest_snapshot

    ctx = runtime.context()
    with ctx.session() as session:
        if run_id is None:
            snapshot = latest_snapshot(session, full_scope_only=False)
            if snapshot is None:
                raise NotFoundError(
                    "no assessment run yet: run 'brokerguard assess' first", field="run"
                )
        else:
            snapshot = get_snapshot(session, run_id)
    document = assessment_results(snapshot, load_rulebook(), generated_at=ctx.clock.now())
    return dumps(document), f"run {snapshot.run_id}, {len(snapshot.requirements)} findings"


@app.command("export")
@runtime.handle_errors
def export(
    output: Annotated[str, typer.Option("--output", "-o", help="file to write, '-' for stdout")],
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="export format")
    ] = ExportFormat.oscal_catalog,
    run_id: Annotated[
        str | None,
        typer.Option("--run", help="assessment run ID (oscal-assessment-results; default latest)"),
    ] = None,
) -> None:
    """Export the rulebook (OSCAL 1.1 catalog) or an assessment run (OSCAL assessment-results)."""
    target = _output_path(output)
    if format is ExportFormat.oscal_catalog:
        if run_id is not None:
            raise ValidationError("--run goes with --format oscal-assessment-results", field="run")
        rulebook = load_rulebook()
        document = catalog(rulebook, generated_at=runtime.clock().now(), registry=loaded_registry())
        text, what = dumps(document), f"{len(rulebook)} controls"
    else:
        if run_id is not None and not run_id.strip():
            raise ValidationError("--run needs a run ID", field="run")
        text, what = _assessment_results_text(run_id)
    _emit(target, text)
    if target is not None:
        runtime.console.print(f"wrote {format.value} ({what}) to {escape(str(target))}")


@app.command("templates")
@runtime.handle_errors
def templates(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List the zh-TW policy templates (Arts. 5-7) and the requirement IDs each covers."""
    found = list_templates()
    if as_json:
        _echo_json(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "article": t.article,
                    "filename": t.filename,
                    "requirement_ids": list(t.requirement_ids),
                }
                for t in found
            ]
        )
        return
    for template in found:
        runtime.console.print(f"[bold]{template.name}[/bold]  {escape(template.title)}")
        runtime.console.print("  " + " ".join(template.requirement_ids), highlight=False)


@app.command("template")
@runtime.handle_errors
def template(
    name: Annotated[str, typer.Argument(help="template name, see 'rulebook templates'")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="file to write, '-' for stdout")
    ] = "-",
) -> None:
    """Write one policy template (Markdown) to a file or stdout, to adapt and adopt."""
    chosen = get_template(name)
    target = _output_path(output)
    _emit(target, chosen.text())
    if target is not None:
        runtime.console.print(f"wrote {chosen.filename} to {escape(str(target))}")


@app.command("validate")
@runtime.handle_errors
def validate(
    directory: Annotated[
        Path | None, typer.Argument(help="a directory of article YAML files (default: packaged)")
    ] = None,
) -> None:
    """Load a rulebook directory and report the first problem (file:line: field)."""
    if directory is None:
        rulebook = load_rulebook()
    else:
        if not directory.is_dir():
            raise ValidationError(f"{directory} is not a directory", field="directory")
        try:
            rulebook = load_from(directory)
        except RulebookError as error:
            raise ValidationError(error.message, field=error.field) from None
    runtime.console.print(
        f"rulebook OK: {len(rulebook)} entries in {len(rulebook.articles)} articles, "
        f"{len(rulebook.obligations())} obligations"
    )
