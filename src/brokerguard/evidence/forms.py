"""Parsing of the evidence upload form fields shared by the HTML page and the JSON API."""

from __future__ import annotations

import re
from datetime import date

from brokerguard.clock import parse_date
from brokerguard.errors import ValidationError

MAX_REQUIREMENT_IDS = 100
SPLIT_RE = re.compile(r"[\s,;、，]+")


def parse_requirement_ids(raw: str) -> list[str]:
    """``"A9.1, A9.2 A9.3"`` -> ``["A9.1", "A9.2", "A9.3"]`` (order kept, duplicates dropped)."""
    ids: list[str] = []
    for part in SPLIT_RE.split(raw or ""):
        item = part.strip()
        if item and item not in ids:
            ids.append(item[:64])
    if len(ids) > MAX_REQUIREMENT_IDS:
        raise ValidationError(
            f"at most {MAX_REQUIREMENT_IDS} requirement IDs per item", field="requirement_ids"
        )
    return ids


def parse_optional_date(raw: str, field: str) -> date | None:
    """An ISO or ROC (民國) date, or None when the field is blank."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return parse_date(text[:32])
    except ValueError as exc:
        raise ValidationError(str(exc), field=field) from None
