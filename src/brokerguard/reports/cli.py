"""``brokerguard report``: the self-assessment (自評表) as HTML, PDF or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerguard.assessment.engine import run_assessment
from brokerguard.cli import runtime
from brokerguard.errors import ValidationError
from brokerguard.i18n import LANGUAGES
from brokerguard.reports.data import ReportFormat, build_report
from brokerguard.reports.render import default_filename, write_report


@runtime.handle_errors
def report(
    lang: Annotated[str, typer.Option("--lang", help="zh-TW or en")] = "zh-TW",
    fmt: Annotated[ReportFormat, typer.Option("--format", help="html, pdf or xlsx")] = (
        ReportFormat.html
    ),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: ./reports/)")
    ] = None,
    assess: Annotated[bool, typer.Option("--assess", help="run a full assessment first")] = False,
) -> None:
    """Write the self-assessment report from the latest full assessment."""
    if lang not in LANGUAGES:
        raise ValidationError(f"--lang must be one of {', '.join(LANGUAGES)}", field="lang")
    if output is not None and output.exists() and output.is_dir():
        raise ValidationError(f"{output} is a folder; name a file", field="output")
    ctx = runtime.context()
    if assess:
        with ctx.session() as session:
            run_assessment(session, ctx.settings, ctx.clock, triggered_by="cli:report")
    with ctx.session() as session:
        data = build_report(session, ctx.settings, ctx.clock, lang)
    target = output or Path("reports") / default_filename(data, fmt)
    written = write_report(data, fmt, target)
    typer.echo(str(written))
