"""The self-assessment as one self-contained HTML page (Jinja2, inline styles, no scripts)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from brokerguard.reports.data import SelfAssessmentReport

TEMPLATES = Path(__file__).with_name("templates")
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: SelfAssessmentReport) -> bytes:
    template = _env.get_template("selfassessment.html")
    return template.render(r=report).encode("utf-8")
