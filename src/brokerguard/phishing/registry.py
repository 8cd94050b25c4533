"""Brands kept in the database (``phishing_brands``), loaded into :class:`Brand` objects."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import get_settings
from brokerguard.phishing.brands import Brand, BrandSpec, build_brand
from brokerguard.phishing.models import BrandRecord


def save_brands(session: Session, clock: Clock, brands: Sequence[Brand]) -> list[BrandRecord]:
    """Insert or update each brand by key (the first official domain's label)."""
    now = clock.now()
    saved = []
    for brand in brands:
        record = session.scalar(select(BrandRecord).where(BrandRecord.key == brand.key))
        spec = brand.spec.model_dump_json()
        if record is None:
            record = BrandRecord(
                key=brand.key,
                name_zh=brand.spec.name_zh,
                name_en=brand.spec.name_en,
                spec=spec,
                created_at=now,
                updated_at=now,
            )
            session.add(record)
        else:
            record.name_zh, record.name_en = brand.spec.name_zh, brand.spec.name_en
            record.spec, record.updated_at = spec, now
        saved.append(record)
    session.flush()
    return saved


def brands_from_database(session: Session) -> list[Brand]:
    records = session.scalars(select(BrandRecord).order_by(BrandRecord.key)).all()
    return [build_brand(BrandSpec.model_validate(json.loads(r.spec))) for r in records]


def current_brands(session: Session) -> list[Brand]:
    """The database's brands, else those of ``BROKERGUARD_PHISHING_BRANDS_FILE`` (may be empty)."""
    from brokerguard.phishing.brands import load_brands

    brands = brands_from_database(session)
    if brands:
        return brands
    path = get_settings().phishing.brands_file
    return load_brands(path) if path is not None else []
