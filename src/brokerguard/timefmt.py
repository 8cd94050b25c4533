"""How brokerguard shows a time: one function for every page, export and report.

Stored times are aware UTC (naive values, as SQLite returns them, are taken as
UTC). People read them in Taipei time with the zone stated:

- zh-TW: 民國 dates, ``115/12/02 23:39 (UTC+8)``
- English: ISO 8601 dates, ``2026-12-02 23:39 (UTC+8)``
- machine exports (CSV, XLSX, JSON for people): ISO 8601 with the offset,
  ``2026-12-02T23:39:32+08:00``, the same in both languages.

A date without a time (a due date, a review date) is a Taipei calendar day and
carries no zone. Parsing what people type (ISO or ROC) is
:func:`brokerguard.clock.parse_date`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from brokerguard.clock import roc_date, to_taipei

#: how the zone is named beside every time of day shown to people
ZONE_LABEL = "UTC+8"
EMPTY = "—"

Precision = Literal["date", "minute", "second", "export"]


def format_when(
    value: date | datetime | str | None,
    language: str = "zh-TW",
    precision: Precision = "minute",
) -> str:
    """``value`` as people read it in ``language`` (see the module docstring).

    ``precision``: ``date`` (the Taipei calendar day), ``minute`` or ``second``
    (time of day with the zone), ``export`` (ISO 8601 with the +08:00 offset).
    An ISO text (as JSON columns keep times) is parsed first; any other text is
    shown as it is, never guessed at.
    """
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    if not isinstance(value, datetime):  # a calendar day
        if precision == "export":
            return value.isoformat()
        return roc_date(value) if language == "zh-TW" else value.isoformat()
    local = to_taipei(value)
    if precision == "export":
        return local.replace(microsecond=0).isoformat()
    day = roc_date(local.date()) if language == "zh-TW" else local.date().isoformat()
    if precision == "date":
        return day
    clock = f"{local:%H:%M:%S}" if precision == "second" else f"{local:%H:%M}"
    return f"{day} {clock} ({ZONE_LABEL})"
