"""Attestations for the referenced rules and additional rulebooks in the rulebook's YAML format."""

from __future__ import annotations

import hashlib
import re
import tempfile
from calendar import monthrange
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.attestations.models import AttestationItem, ReferencedRulebook
from brokerguard.attestations.schemas import AttestationRow
from brokerguard.clock import Clock, today
from brokerguard.errors import ConflictError, RulebookError, ValidationError
from brokerguard.evidence.service import EVIDENCE_REFERENCE, find_by_reference
from brokerguard.registerkit.rows import column_row, find_by, row_or_new, stamp
from brokerguard.registerkit.spec import ColumnMode, RegisterSpec, cached_lookup
from brokerguard.rulebook import ReviewFrequency, Rulebook, load_rulebook
from brokerguard.rulebook.loader import load_from
from brokerguard.staff.roles import Role
from brokerguard.staff.service import StaffIdentity, staff_by_username
from brokerguard.tabular import Column, parse_bool, parse_date, text

#: the requirements that point at another body of rules
REFERENCED_REQUIREMENTS = ("A3.1", "A3.2", "A4.1", "A11.1")
#: these apply to every securities firm: "not applicable" is refused (A3.2 alone may be)
MANDATORY_REQUIREMENTS = ("A3.1", "A4.1", "A11.1")
#: who may attest each referenced rule: a staff user holding this role (an admin account is
#: no substitute). Art. 3 (資通安全法令遵循) and Art. 11 (the AI rules) are statements of
#: compliance with a body of rules: the compliance unit (法遵單位); Art. 4 (雲端服務運作安全)
#: is the security of cloud operations: the cybersecurity unit (資安專責單位).
ATTESTER_ROLES: dict[str, Role] = {
    "A3.1": Role.compliance,
    "A3.2": Role.compliance,
    "A4.1": Role.security,
    "A11.1": Role.compliance,
}
MAX_RULEBOOK_BYTES = 1_000_000
CADENCE_MONTHS = {
    ReviewFrequency.monthly: 1,
    ReviewFrequency.quarterly: 3,
    ReviewFrequency.semiannual: 6,
    ReviewFrequency.annual: 12,
}


def _requirement(value: str) -> str:
    cleaned = value.strip().upper()
    if cleaned not in REFERENCED_REQUIREMENTS:
        raise ValueError(f"must be one of {', '.join(REFERENCED_REQUIREMENTS)}")
    return cleaned


def _evidence(value: str) -> str:
    cleaned = value.strip()
    if not EVIDENCE_REFERENCE.match(cleaned):
        raise ValueError("give evidence:sha256:<64 hex> of an item in the evidence store")
    return cleaned


def cadence_months(requirement_id: str) -> int:
    """Months between reviews the rulebook names for ``requirement_id`` (default: yearly)."""
    rulebook = load_rulebook()
    if requirement_id not in rulebook:
        return 12
    return CADENCE_MONTHS.get(rulebook.requirements[requirement_id].review_frequency, 12)


def attester_role(requirement_id: str) -> Role:
    """The role the staff user attesting ``requirement_id`` must hold."""
    return ATTESTER_ROLES[requirement_id]


def resolve_attester(session: Session, requirement_id: str, username: str) -> StaffIdentity | None:
    """The active staff user ``username`` if they hold the role ``requirement_id`` names."""
    identity = cached_lookup(
        session, ("staff", username), lambda: staff_by_username(session, username)
    )
    if identity is None or attester_role(requirement_id) not in identity.roles:
        return None
    return identity


def latest_due(requirement_id: str, attested_on: date) -> date:
    """The latest next-review date the cadence allows (yearly: the same day a year on)."""
    months = attested_on.month - 1 + cadence_months(requirement_id)
    year, month = attested_on.year + months // 12, months % 12 + 1
    return date(year, month, min(attested_on.day, monthrange(year, month)[1]))


ITEM_COLUMNS = (
    Column("requirement_id", ("條文", "requirement ID", "requirement"), parse=_requirement),
    Column("referenced_rule", ("引用規範", "referenced rule"), parse=text(255)),
    Column("rule_version", ("規範版本", "rule version", "version"), parse=text(64)),
    Column("applicable", ("適用", "applicable"), required=False, parse=parse_bool, default=True),
    Column("statement", ("遵循說明", "statement"), required=False, parse=text(4000), default=""),
    Column("attested_by", ("聲明人帳號", "attested by", "聲明人"), parse=text(64)),
    Column("attested_on", ("聲明日期", "attested on"), parse=parse_date),
    Column("next_due", ("下次檢視日", "next due"), parse=parse_date),
    Column("evidence_ref", ("佐證", "evidence"), required=False, parse=_evidence, default=""),
)


_find_item = find_by(AttestationItem, "requirement_id", "referenced_rule")


def _save_item(
    session: Session, clock: Clock, row: AttestationItem | None, values: dict[str, Any], actor: str
) -> AttestationItem:
    attested_on: date = values["attested_on"]
    next_due: date = values["next_due"]
    if attested_on > today(clock):
        raise ValidationError("the attestation date is in the future", field="attested_on")
    if next_due <= attested_on:
        raise ValidationError("next due must be after the attestation date", field="next_due")
    requirement = values["requirement_id"]
    bound = latest_due(requirement, attested_on)
    if next_due > bound:
        raise ValidationError(
            f"next due {next_due} is beyond the {cadence_months(requirement)}-month review "
            f"cadence of {requirement} (at the latest {bound})",
            field="next_due",
        )
    applicable = bool(values.get("applicable", True))
    if not applicable and requirement in MANDATORY_REQUIREMENTS:
        raise ValidationError(
            f"{requirement} applies to every securities firm: it cannot be marked not applicable",
            field="applicable",
        )
    reference = values.get("evidence_ref") or ""
    if reference and find_by_reference(session, reference) is None:
        raise ValidationError(
            f"{reference} is not in the evidence store: upload the document first",
            field="evidence_ref",
        )
    attester = resolve_attester(session, requirement, values["attested_by"])
    if attester is None:
        role = attester_role(requirement)
        raise ValidationError(
            f"attested_by must be the username of an active staff user holding the "
            f"{role.value} role ({role.label_zh}) to attest {requirement}, "
            f"not {values['attested_by']!r}",
            field="attested_by",
        )
    row = row_or_new(session, row, AttestationItem)
    for name in ("requirement_id", "referenced_rule", "rule_version", "attested_on", "next_due"):
        setattr(row, name, values[name])
    row.attested_by = attester.username
    row.attester_unverified = False
    row.applicable = applicable
    row.statement = values.get("statement") or ""
    row.evidence_ref = reference
    return stamp(row, clock, actor)


ATTESTATIONS: RegisterSpec[AttestationItem] = RegisterSpec(
    key="attestations",
    path="items",
    title_zh="引用規範遵循聲明",
    title_en="Referenced-rule attestations",
    model=AttestationItem,
    mode=ColumnMode(
        columns=ITEM_COLUMNS,
        unique=("requirement_id", "referenced_rule"),
        save=_save_item,
        find=_find_item,
        to_row=column_row(ITEM_COLUMNS),
        row_model=AttestationRow,
        order_by=lambda: (AttestationItem.requirement_id, AttestationItem.referenced_rule),
        long_text=frozenset({"statement"}),
        options={"requirement_id": REFERENCED_REQUIREMENTS, "applicable": ("yes", "no")},
    ),
    requirement_ids=REFERENCED_REQUIREMENTS,
)


def attestations_for(session: Session, requirement_id: str) -> list[AttestationItem]:
    return list(
        session.scalars(
            select(AttestationItem)
            .where(AttestationItem.requirement_id == requirement_id)
            .order_by(AttestationItem.next_due.desc())
        )
    )


# --- additional rulebooks ------------------------------------------------------------


def parse_rulebook_yaml(content: bytes, filename: str) -> Rulebook:
    """Validate one rulebook file exactly as the packaged rulebook is validated.

    The file is written to a private temporary directory and read with
    :func:`brokerguard.rulebook.loader.load_from`, so the same rules apply
    (fields, types, IDs, parents); any problem names the file, line and field.
    """
    if not content:
        raise ValidationError("the rulebook file is empty", field="file")
    if len(content) > MAX_RULEBOOK_BYTES:
        raise ValidationError(
            f"the rulebook file is larger than {MAX_RULEBOOK_BYTES:,} bytes", field="file"
        )
    if not filename.lower().endswith((".yaml", ".yml")):
        raise ValidationError("a rulebook file must be .yaml", field="file")
    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(filename).name)[:100]
    if not safe_name.endswith(".yaml"):
        safe_name = safe_name.rsplit(".", 1)[0] + ".yaml"
    with tempfile.TemporaryDirectory(prefix="bg-rulebook-") as directory:
        (Path(directory) / safe_name).write_bytes(content)
        try:
            return load_from(Path(directory))
        except RulebookError as exc:
            raise ValidationError(exc.message, field=exc.field or "file") from None


def load_referenced_rulebook(
    session: Session,
    clock: Clock,
    *,
    content: bytes,
    filename: str,
    name: str,
    version: str,
    requirement_id: str,
    loaded_by: str,
) -> ReferencedRulebook:
    """Validate a rulebook file and record it as the rules a referenced requirement points at."""
    clean_name = name.strip()
    clean_version = version.strip()
    if not clean_name or len(clean_name) > 255:
        raise ValidationError("name is required (at most 255 characters)", field="name")
    if not clean_version or len(clean_version) > 64:
        raise ValidationError("version is required (at most 64 characters)", field="version")
    try:
        requirement = _requirement(requirement_id)
    except ValueError as exc:
        raise ValidationError(f"requirement_id {exc}", field="requirement_id") from None
    rulebook = parse_rulebook_yaml(content, filename)
    existing = session.scalar(
        select(ReferencedRulebook).where(
            ReferencedRulebook.name == clean_name, ReferencedRulebook.version == clean_version
        )
    )
    if existing is not None:
        raise ConflictError(
            f"rulebook {clean_name!r} version {clean_version!r} is already loaded", field="version"
        )
    article = next(iter(rulebook.articles.values()))
    row = ReferencedRulebook(
        name=clean_name,
        version=clean_version,
        requirement_id=requirement,
        filename=Path(filename).name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        article=article.number,
        title_zh=article.title_zh[:255],
        title_en=article.title_en[:255],
        requirement_ids=",".join(r.id for r in rulebook.ordered()),
        content=content.decode("utf-8"),
        loaded_by=loaded_by,
        loaded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def rulebook_summary(row: ReferencedRulebook) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "version": row.version,
        "requirement_id": row.requirement_id,
        "filename": row.filename,
        "sha256": row.sha256,
        "article": row.article,
        "title_zh": row.title_zh,
        "title_en": row.title_en,
        "requirement_ids": row.requirement_ids.split(",") if row.requirement_ids else [],
        "loaded_by": row.loaded_by,
        "loaded_at": row.loaded_at.isoformat(),
    }


def list_rulebooks(session: Session) -> list[ReferencedRulebook]:
    return list(
        session.scalars(
            select(ReferencedRulebook).order_by(ReferencedRulebook.name, ReferencedRulebook.version)
        )
    )


def requirement_title(requirement_id: str) -> tuple[str, str]:
    rulebook = load_rulebook()
    if requirement_id in rulebook:
        item = rulebook.requirements[requirement_id]
        return item.title_zh or item.text_zh, item.title_en or item.text_en
    return requirement_id, requirement_id
