from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.attestations import checks
from brokerguard.attestations.service import (
    ATTESTATIONS,
    list_rulebooks,
    load_referenced_rulebook,
    parse_rulebook_yaml,
)
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.registerkit.spec import create_item, update_item

CLOUD_RULES = """\
# 雲端服務運作安全自律規範（節錄）
article: 4
title_zh: 雲端服務運作安全
title_en: Cloud service operation security
requirements:
  - id: A4.1
    kind: policy
    title_zh: 雲端服務管理
    title_en: Cloud service management
    text_zh: 證券商應訂定雲端服務管理規範。
    text_en: The firm has rules for managing cloud services.
  - id: A4.1.1
    parent: A4.1
    kind: record
    text_zh: 雲端服務清冊
    text_en: A register of cloud services.
"""


def ctx(session: Session, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=Settings(), clock=clock)


def attest(session: Session, clock: FixedClock, requirement: str, **extra: str) -> str:
    values = {
        "requirement_id": requirement,
        "referenced_rule": "雲端服務運作安全自律規範",
        "rule_version": "114 年版",
        "attested_by": "法遵主管 陳",
        "attested_on": "115/03/01",
        "next_due": "116/03/01",
        "evidence_ref": "evidence:sha256:" + "a" * 64,
    }
    values.update(extra)
    return str(create_item(session, clock, ATTESTATIONS, values, "t").id)


def test_parse_valid_rulebook() -> None:
    book = parse_rulebook_yaml(CLOUD_RULES.encode(), "cloud.yaml")
    assert [r.id for r in book.ordered()] == ["A4.1", "A4.1.1"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"article: [\n", "YAML"),
        (CLOUD_RULES.replace("kind: policy", "kind: wish").encode(), "kind"),
        (CLOUD_RULES.replace("parent: A4.1", "parent: A4.9").encode(), "parent"),
        (CLOUD_RULES.replace("id: A4.1.1", "id: Z9").encode(), "Z9"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"article: 4\n", "missing"),
        (b"x: " + b"a" * 1_100_000, "larger"),
    ],
)
def test_invalid_rulebooks_name_the_problem(content: bytes, needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rulebook_yaml(content, "cloud.yaml")
    assert needle.lower() in caught.value.message.lower()


def test_rulebook_file_name_is_checked() -> None:
    with pytest.raises(ValidationError):
        parse_rulebook_yaml(CLOUD_RULES.encode(), "cloud.exe")
    for hostile in (
        "../../etc/../我的 規範.yml",
        ".yaml",
        "..yml",
        "\x00.yaml",
        "x" * 300 + ".yaml",
    ):
        book = parse_rulebook_yaml(CLOUD_RULES.encode(), hostile)
        assert len(book.requirements) == 2


def test_load_rulebook_records_it(session: Session, clock: FixedClock) -> None:
    row = load_referenced_rulebook(
        session,
        clock,
        content=CLOUD_RULES.encode(),
        filename="cloud.yaml",
        name="雲端服務運作安全自律規範",
        version="114",
        requirement_id="a4.1",
        loaded_by="amy",
    )
    assert (row.article, row.requirement_id, row.requirement_ids) == (4, "A4.1", "A4.1,A4.1.1")
    assert len(row.sha256) == 64
    with pytest.raises(ConflictError):
        load_referenced_rulebook(
            session,
            clock,
            content=CLOUD_RULES.encode(),
            filename="cloud.yaml",
            name="雲端服務運作安全自律規範",
            version="114",
            requirement_id="A4.1",
            loaded_by="amy",
        )
    for kwargs in ({"name": ""}, {"version": ""}, {"requirement_id": "A9.1"}):
        args = {"name": "n", "version": "v", "requirement_id": "A4.1"} | kwargs
        with pytest.raises(ValidationError):
            load_referenced_rulebook(
                session,
                clock,
                content=CLOUD_RULES.encode(),
                filename="c.yaml",
                loaded_by="amy",
                **args,
            )
    assert len(list_rulebooks(session)) == 1


def test_attestation_checks(session: Session, clock: FixedClock) -> None:
    assert checks.a4_1(ctx(session, clock)).status is Status.failed
    item = attest(session, clock, "A4.1")
    assert checks.a4_1(ctx(session, clock)).status is Status.passed
    update_item(session, clock, ATTESTATIONS, item, {"evidence_ref": ""}, "t")
    assert checks.a4_1(ctx(session, clock)).status is Status.manual
    clock.advance(timedelta(days=500))
    assert checks.a4_1(ctx(session, clock)).status is Status.failed


def test_a3_2_not_applicable(session: Session, clock: FixedClock) -> None:
    attest(session, clock, "A3.2", referenced_rule="集團資安政策", applicable="否")
    assert checks.a3_2(ctx(session, clock)).status is Status.not_applicable


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"requirement_id": "A9.7"}, "requirement_id"),
        ({"next_due": "115/02/01"}, "next_due"),
        ({"attested_on": "2027-01-01", "next_due": "2028-01-01"}, "attested_on"),
        ({"evidence_ref": "file:///etc/passwd"}, "evidence_ref"),
        ({"evidence_ref": "evidence:sha256:xyz"}, "evidence_ref"),
    ],
)
def test_bad_attestations(
    session: Session, clock: FixedClock, extra: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        attest(session, clock, "A4.1", **extra)
    assert caught.value.field == field
