"""The requirement list behind the dashboard's cards (issue 17, item 5): every requirement
with its latest status, filtered by status, article, unit and owner, searched and sorted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import Status
from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.reports.data import ReportRow, build_report
from brokerguard.web.tables import TableSpec

#: the status filter's values: each verdict, and ``none`` for never assessed
STATUS_VALUES = (*(s.value for s in Status), "none")


@dataclass(frozen=True)
class RequirementLine:
    row: ReportRow
    units: frozenset[str]
    owners: frozenset[str]

    @property
    def status_value(self) -> str:
        return self.row.status.value if self.row.status else "none"


def requirement_lines(
    session: Session, settings: Settings, clock: Clock, language: str
) -> list[RequirementLine]:
    """Every requirement with its status, reason, owning units and owners (people)."""
    report = build_report(session, settings, clock, language)
    lines = []
    for row in report.rows:
        units = {e.unit for e in row.evidence if e.unit}
        units |= {name for name in row.owner.split("、") if name} - {e.owner for e in row.evidence}
        owners = {e.owner for e in row.evidence if e.owner} | {f.owner for f in row.findings}
        lines.append(RequirementLine(row, frozenset(units), frozenset(owners - {""})))
    return lines


def requirement_table(lines: list[RequirementLine]) -> TableSpec[RequirementLine]:
    articles = tuple(sorted({str(line.row.article) for line in lines}, key=int))
    units = tuple(sorted({u for line in lines for u in line.units}))
    owners = tuple(sorted({o for line in lines for o in line.owners}))
    return TableSpec(
        search=lambda line: " ".join(
            (line.row.requirement_id, line.row.title, line.row.text, line.row.reason)
        ),
        sorts={
            "id": _id_key,
            "status": lambda line: line.row.status.severity if line.row.status else -1,
            "last_proven": lambda line: line.row.last_proven,
        },
        default_sort="id",
        filters={
            "status": (STATUS_VALUES, lambda line: line.status_value),
            "article": (articles, lambda line: str(line.row.article)),
            "unit": (units, lambda line: line.units),
            "owner": (owners, lambda line: line.owners),
        },
        per_page=50,
    )


def _id_key(line: RequirementLine) -> tuple[int, tuple[int, ...], str]:
    """Rulebook order: article, then ``A6.3.1.4`` as numbers (6, 3, 1, 4)."""
    parts = line.row.requirement_id.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").split(".")
    numbers = tuple(int(p) if p.isdigit() else 0 for p in parts)
    return (line.row.article, numbers, line.row.requirement_id)
