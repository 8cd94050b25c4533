from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.attestations import checks
from brokerguard.attestations.models import AttestationItem
from brokerguard.attestations.service import (
    ATTESTATIONS,
    list_rulebooks,
    load_referenced_rulebook,
    parse_rulebook_yaml,
)
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.errors import ConflictError, ValidationError
from brokerguard.evidence.service import store_evidence
from brokerguard.registerkit.spec import create_item, update_item
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user, disable_staff
from tests.conftest import STAFF_PASSWORD

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


#: the staff users who may attest: compliance (A3.1, A3.2, A11.1), security (A4.1)
ATTESTERS = {"A3.1": "compliance-chen", "A3.2": "compliance-chen", "A4.1": "security-lin"}
ATTESTERS["A11.1"] = "compliance-chen"


def ctx(session: Session, clock: FixedClock) -> CheckContext:
    return CheckContext(session=session, settings=Settings(), clock=clock)


@pytest.fixture(autouse=True)
def attesters(session: Session, clock: FixedClock) -> None:
    for username, role in (
        ("compliance-chen", Role.compliance),
        ("security-lin", Role.security),
        ("admin-wu", Role.admin),
    ):
        create_staff_user(session, clock, username=username, password=STAFF_PASSWORD, roles={role})


@pytest.fixture
def document(session: Session, clock: FixedClock, settings: Settings) -> str:
    """A signed attestation document in the evidence store."""
    return store_evidence(
        session,
        clock,
        settings,
        content="雲端服務運作安全自律規範 年度遵循聲明（已簽核）\n".encode(),
        filename="cloud-attestation.txt",
        title="雲端規範遵循聲明",
        requirement_ids=["A4.1"],
        kind="attestation",
        uploaded_by="compliance",
        valid_from=date(2026, 3, 1),
    ).reference


def attest(session: Session, clock: FixedClock, requirement: str, **extra: str) -> str:
    values = {
        "requirement_id": requirement,
        "referenced_rule": "雲端服務運作安全自律規範",
        "rule_version": "114 年版",
        "attested_by": ATTESTERS.get(requirement, "compliance-chen"),
        "attested_on": "115/03/01",
        "next_due": "116/03/01",
        "evidence_ref": "",
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


def test_attestation_checks(session: Session, clock: FixedClock, document: str) -> None:
    assert checks.a4_1(ctx(session, clock)).status is Status.failed
    item = attest(session, clock, "A4.1", evidence_ref=document)
    assert checks.a4_1(ctx(session, clock)).status is Status.passed
    update_item(session, clock, ATTESTATIONS, item, {"evidence_ref": ""}, "t")
    unbacked = checks.a4_1(ctx(session, clock))  # before: manual
    assert unbacked.status is Status.failed and "evidence store" in unbacked.reason_en
    update_item(session, clock, ATTESTATIONS, item, {"evidence_ref": document}, "t")
    clock.advance(timedelta(days=500))
    assert checks.a4_1(ctx(session, clock)).status is Status.failed


def test_a3_2_not_applicable(session: Session, clock: FixedClock) -> None:
    attest(session, clock, "A3.2", referenced_rule="集團資安政策", applicable="否")
    assert checks.a3_2(ctx(session, clock)).status is Status.not_applicable


@pytest.mark.parametrize("requirement", ["A3.1", "A4.1", "A11.1"])
def test_mandatory_rules_cannot_be_not_applicable(
    session: Session, clock: FixedClock, requirement: str
) -> None:
    """Before: 'applicable = no' turned A3.1, A4.1 and A11.1 into N/A."""
    with pytest.raises(ValidationError) as caught:
        attest(session, clock, requirement, applicable="否")
    assert caught.value.field == "applicable"
    row = AttestationItem(  # a row written around the register (an old import, a DBA)
        requirement_id=requirement,
        referenced_rule="r",
        rule_version="1",
        applicable=False,
        attested_by=ATTESTERS[requirement],
        attested_on=date(2026, 3, 1),
        next_due=date(2027, 3, 1),
        updated_by="x",
        updated_at=clock.now(),
    )
    session.add(row)
    session.flush()
    check = {"A3.1": checks.a3_1, "A4.1": checks.a4_1, "A11.1": checks.a11_1}[requirement]
    result = check(ctx(session, clock))
    assert result.status is Status.failed and "applies to every" in result.reason_en


def test_evidence_must_be_a_current_evidence_store_item(
    session: Session, clock: FixedClock, document: str
) -> None:
    """Before: any https URL counted as evidence."""
    with pytest.raises(ValidationError, match="not in the evidence store"):
        attest(session, clock, "A4.1", evidence_ref="evidence:sha256:" + "a" * 64)
    item_id = attest(session, clock, "A4.1", evidence_ref=document)
    item = session.get(AttestationItem, item_id)
    assert item is not None
    item.evidence_ref = "https://law.moj.gov.tw/"  # written around the register
    session.flush()
    result = checks.a4_1(ctx(session, clock))
    assert result.status is Status.failed and "not in the evidence store" in result.reason_en


def test_next_due_is_bounded_by_the_yearly_cadence(
    session: Session, clock: FixedClock, document: str
) -> None:
    """Before: next_due had no upper bound (a 2099 date passed forever)."""
    with pytest.raises(ValidationError, match="12-month review cadence") as caught:
        attest(session, clock, "A4.1", next_due="116/03/02", evidence_ref=document)
    assert caught.value.field == "next_due"
    item_id = attest(session, clock, "A4.1", next_due="116/03/01", evidence_ref=document)
    item = session.get(AttestationItem, item_id)
    assert item is not None
    item.next_due = date(2099, 1, 1)
    session.flush()
    result = checks.a4_1(ctx(session, clock))
    assert result.status is Status.failed and "cadence" in result.reason_en


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"requirement_id": "A9.7"}, "requirement_id"),
        ({"next_due": "115/02/01"}, "next_due"),
        ({"attested_on": "2027-01-01", "next_due": "2028-01-01"}, "attested_on"),
        ({"evidence_ref": "file:///etc/passwd"}, "evidence_ref"),
        ({"evidence_ref": "evidence:sha256:xyz"}, "evidence_ref"),
        ({"evidence_ref": "https://law.moj.gov.tw/"}, "evidence_ref"),
        ({"evidence_ref": "policy:" + "0" * 36}, "evidence_ref"),
        ({"next_due": "125/03/01"}, "next_due"),
        ({"applicable": "否"}, "applicable"),
        ({"attested_by": "法遵主管 陳"}, "attested_by"),  # free text: no staff user
        ({"attested_by": "compliance-chen"}, "attested_by"),  # A4.1 needs the security role
        ({"attested_by": "admin-wu"}, "attested_by"),  # an admin account is no substitute
        ({"attested_by": "nobody"}, "attested_by"),
        ({"attested_by": ""}, "attested_by"),
        ({"attested_by": "x" * 65}, "attested_by"),
        ({"attested_by": "security-lin\x00"}, "attested_by"),
        ({"attested_by": "security‐lin"}, "attested_by"),  # U+2010 look-alike hyphen
    ],
)
def test_bad_attestations(
    session: Session, clock: FixedClock, extra: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        attest(session, clock, "A4.1", **extra)
    assert caught.value.field == field


def test_attester_is_a_staff_user_holding_the_named_role(
    session: Session, clock: FixedClock, document: str
) -> None:
    """Before: attested_by was free text ("法遵主管 陳") and any name counted."""
    item_id = attest(session, clock, "A4.1", evidence_ref=document, attested_by=" security-lin ")
    item = session.get(AttestationItem, item_id)
    assert item is not None and item.attested_by == "security-lin"
    assert checks.a4_1(ctx(session, clock)).status is Status.passed
    item.attested_by = "資安長 林"  # written around the register (a DBA, an old import)
    session.flush()
    result = checks.a4_1(ctx(session, clock))
    assert result.status is Status.failed and "security role" in result.reason_en
    item.attested_by = "security-lin"
    disable_staff(session, clock, "security-lin")  # the attester left the firm
    result = checks.a4_1(ctx(session, clock))
    assert result.status is Status.failed and "not an active staff user" in result.reason_en


def test_not_applicable_needs_a_verified_attester(session: Session, clock: FixedClock) -> None:
    item_id = attest(session, clock, "A3.2", referenced_rule="集團資安政策", applicable="否")
    item = session.get(AttestationItem, item_id)
    assert item is not None
    item.attested_by = "security-lin"  # A3.2 is the compliance unit's to attest
    session.flush()
    result = checks.a3_2(ctx(session, clock))
    assert result.status is Status.failed and "compliance role" in result.reason_en


def test_a_row_unverified_at_upgrade_stops_counting_until_attested_again(
    session: Session, clock: FixedClock, document: str
) -> None:
    item_id = attest(session, clock, "A4.1", evidence_ref=document)
    item = session.get(AttestationItem, item_id)
    assert item is not None
    item.attester_unverified = True  # as migration attestations_0002 marks a free-text row
    session.flush()
    result = checks.a4_1(ctx(session, clock))
    assert result.status is Status.failed and "upgraded" in result.reason_en
    assert "重新聲明" in result.reason_zh
    update_item(session, clock, ATTESTATIONS, item_id, {"attested_by": "security-lin"}, "t")
    assert not item.attester_unverified
    assert checks.a4_1(ctx(session, clock)).status is Status.passed
