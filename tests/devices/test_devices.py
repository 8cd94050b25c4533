from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, Status
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.devices import checks, service, tables
from brokerguard.devices.schemas import DeviceIn, Ownership, Problem
from brokerguard.devices.settings import DevicesSettings
from brokerguard.errors import ConflictError, PayloadTooLargeError, ValidationError
from brokerguard.staff.roles import Role
from brokerguard.tabular import ImportMode, ImportRejectedError
from tests.conftest import sign_in

REGISTER = (
    "裝置識別碼,歸屬,保管人,單位,裝置類型,作業系統,作業系統版本,規範簽署日\n"
    "MDM-001,公務,陳經理,經紀業務部,手機,iOS,17.5,115/01/15\n"
    "MDM-002,自攜,林專員,財務部,手機,Android,14,2026-02-01\n"
    "MDM-003,自攜,王襄理,資訊部,平板,ipados,17.4,\n"
)
MDM = (
    "device id,serial,os,os version,encrypted,passcode,jailbroken,last check-in\n"
    "MDM-001,F2LX1,ios,17.5,yes,yes,no,2026-11-25T09:00:00+08:00\n"
    "MDM-002,R58N,android,14,yes,yes,yes,2026-11-25T09:00:00+08:00\n"
    "MDM-003,DMPX,ipados,16.7,no,no,no,115/10/01\n"
    "MDM-099,ZZZ,android,14,yes,yes,no,2026-11-25T09:00:00Z\n"
)


def load(session: Session, clock: FixedClock) -> None:
    tables.import_devices(
        session,
        clock,
        REGISTER.encode("cp950"),
        "d.csv",
        mode=ImportMode.all_or_nothing,
        actor="sec",
    )


def test_register_import_big5_and_roc_dates(session: Session, clock: FixedClock) -> None:
    load(session, clock)
    devices = {d.device_id: d for d in service.list_devices(session)}
    assert devices["MDM-001"].ownership is Ownership.company
    assert devices["MDM-001"].policy_ack_on == date(2026, 1, 15)
    assert devices["MDM-003"].policy_ack_on is None
    with pytest.raises(ImportRejectedError):  # all already registered
        tables.import_devices(
            session, clock, REGISTER.encode(), "d.csv", mode=ImportMode.all_or_nothing, actor="sec"
        )
    exported = tables.export_devices(session, "csv").decode("utf-8-sig")
    assert exported.count("\r\n") == 4


def test_mdm_import_flags_noncompliant_and_unregistered(
    session: Session, clock: FixedClock
) -> None:
    load(session, clock)
    summary = tables.import_mdm(
        session, clock, MDM.encode(), "mdm.csv", mode=ImportMode.all_or_nothing, actor="sec"
    )
    assert (summary.loaded, summary.noncompliant, summary.unregistered) == (4, 2, 1)
    rows = {r.device_id: r for r in service.compliance(session, clock)}
    assert rows["MDM-001"].compliant
    assert rows["MDM-002"].problems == (Problem.compromised,)
    assert set(rows["MDM-003"].problems) == {
        Problem.no_acknowledgement,
        Problem.unencrypted,
        Problem.no_passcode,
        Problem.os_outdated,
        Problem.stale_checkin,
    }
    assert rows["MDM-099"].problems == (Problem.unregistered,)
    # a second import updates the state in place
    fixed = MDM.replace("MDM-002,R58N,android,14,yes,yes,yes", "MDM-002,R58N,android,14,yes,yes,no")
    tables.import_mdm(
        session, clock, fixed.encode(), "mdm.csv", mode=ImportMode.valid_rows, actor="sec"
    )
    assert {r.device_id: r for r in service.compliance(session, clock)}["MDM-002"].compliant
    assert len(service.list_mdm_states(session)) == 4


def test_mdm_json_export(session: Session, clock: FixedClock) -> None:
    load(session, clock)
    data = {
        "devices": [
            {
                "deviceId": "MDM-001",
                "os": "iOS",
                "osVersion": "17.5",
                "encrypted": True,
                "passcode": True,
                "jailbroken": False,
                "lastSeen": "2026-11-25T01:00:00Z",
            },
            {
                "deviceId": "MDM-050",
                "os": "Android",
                "osVersion": "12",
                "encrypted": True,
                "passcode": True,
                "jailbroken": False,
                "lastSeen": 1795564800,
                "sensitive access": False,
            },
        ]
    }
    summary = tables.import_mdm(
        session,
        clock,
        json.dumps(data).encode(),
        "mdm.json",
        mode=ImportMode.all_or_nothing,
        actor="sec",
    )
    assert summary.loaded == 2
    rows = {r.device_id: r for r in service.compliance(session, clock)}
    assert rows["MDM-050"].problems == (
        Problem.os_outdated,
    )  # no sensitive access: not "unregistered"
    assert rows["MDM-001"].mdm is not None
    assert rows["MDM-001"].mdm.last_checkin == datetime(2026, 11, 25, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"{", "not valid UTF-8 JSON"),
        (b"[]", "non-empty list"),
        (b'{"devices": 3}', "non-empty list"),
        (b"[1, 2]", "not an object"),
        (b'[{"deviceId": {"nested": 1}}]', "nested"),
        (b"[" * 100000 + b"]" * 100000, "JSON"),
        (b'\xff\xfe[{"a": 1}]', "UTF-8"),
    ],
)
def test_mdm_json_bad_input(
    session: Session, clock: FixedClock, content: bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        tables.import_mdm(
            session, clock, content, "mdm.json", mode=ImportMode.valid_rows, actor="sec"
        )
    assert message in caught.value.message


def test_mdm_csv_row_errors(session: Session, clock: FixedClock) -> None:
    content = (
        b"device id,encrypted,passcode,rooted,last check-in\n"
        b"A,maybe,yes,no,2026-11-01\n"
        b"B,yes,yes,no,yesterday\n"
        b"C,yes,yes,no,\n"
        b"C,yes,yes,no,\n"
    )
    with pytest.raises(ImportRejectedError):
        tables.import_mdm(
            session, clock, content, "m.csv", mode=ImportMode.all_or_nothing, actor="sec"
        )
    assert service.list_mdm_states(session) == []
    summary = tables.import_mdm(
        session, clock, content, "m.csv", mode=ImportMode.valid_rows, actor="sec"
    )
    assert summary.loaded == 1
    assert [(e.line, e.column) for e in summary.errors] == [
        (2, "encrypted"),
        (3, "last_checkin"),
        (5, "device_id"),
    ]
    with pytest.raises(ValidationError, match="missing column"):
        tables.import_mdm(
            session,
            clock,
            b"device id,os\nA,ios\n",
            "m.csv",
            mode=ImportMode.valid_rows,
            actor="sec",
        )


def test_json_size_limit(session: Session, clock: FixedClock) -> None:
    with pytest.raises(PayloadTooLargeError):
        tables.json_to_csv(b" " * (21 * 1024 * 1024))


def test_os_version_comparison() -> None:
    config = DevicesSettings()
    assert service.os_outdated("ios", "16.7.2", config)
    assert not service.os_outdated("ios", "17.0", config)
    assert not service.os_outdated("android", "14", config)
    assert service.os_outdated("android", "", config)
    assert not service.os_outdated("other", "1", config)


def test_register_rules(session: Session, clock: FixedClock) -> None:
    data = DeviceIn.model_validate(
        {
            "device_id": "X-1",
            "ownership": "company",
            "holder": "a",
            "unit": "u",
            "device_type": "phone",
            "os": "ios",
        }
    )
    service.register_device(session, clock, data, actor="sec")
    with pytest.raises(ConflictError):
        service.register_device(session, clock, data, actor="sec")
    for bad in (
        {"ownership": "rented"},
        {"holder": ""},
        {"os": "symbian"},
        {"device_id": "x" * 200},
        {"policy_ack_on": "soon"},
    ):
        with pytest.raises(PydanticValidationError):
            DeviceIn.model_validate({**data.model_dump(), **bad})


def test_checks(session: Session, settings: Settings, clock: FixedClock) -> None:
    ctx = CheckContext(session=session, settings=settings, clock=clock)
    assert checks.company_compliant(ctx).status is Status.manual
    assert checks.no_unregistered_access(ctx).status is Status.manual
    load(session, clock)
    tables.import_mdm(
        session, clock, MDM.encode(), "mdm.csv", mode=ImportMode.all_or_nothing, actor="sec"
    )
    assert checks.company_compliant(ctx).status is Status.passed
    byod = checks.byod_compliant(ctx)
    assert byod.status is Status.failed and "rooted" in byod.reason_en
    assert checks.no_unregistered_access(ctx).status is Status.failed
    clock.advance(timedelta(days=30))
    stale = checks.company_compliant(ctx)
    assert stale.status is Status.failed and "check-in" in stale.reason_en


def test_api_and_pages(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.security)
    body = {
        "device_id": "MDM-001",
        "ownership": "company",
        "holder": "陳經理",
        "unit": "經紀業務部",
        "device_type": "phone",
        "os": "ios",
        "os_version": "17.5",
        "policy_ack_on": "2026-01-15",
    }
    created = client.post("/api/v1/devices", json=body)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/devices", json=body).status_code == 409
    bad = client.post("/api/v1/devices", json={**body, "device_id": "B", "ownership": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "ownership"
    mdm = client.post("/api/v1/devices/mdm", files={"file": ("m.csv", MDM.encode(), "text/csv")})
    assert mdm.status_code == 200 and mdm.json()["unregistered"] == 3
    flagged = client.get("/api/v1/devices/compliance", params={"only_problems": True}).json()
    assert {r["device_id"] for r in flagged} == {"MDM-002", "MDM-003", "MDM-099"}
    page = client.get("/devices", headers={"accept": "text/html"})
    assert page.status_code == 200 and "MDM-099" in page.text
    upload = client.post(
        "/devices/mdm",
        data={"csrf_token": token},
        files={"file": ("m.json", b"{", "application/json")},
    )
    assert upload.status_code == 422 and "JSON" in upload.text
    record_id = created.json()["id"]
    edit = client.post(
        f"/devices/register/{record_id}/edit", data={"csrf_token": token, **body, "holder": ""}
    )
    assert edit.status_code == 422 and "required" in edit.text
    export = client.get("/api/v1/devices/export", params={"format": "csv"})
    assert "MDM-001" in export.content.decode("utf-8-sig")
