from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import UnsupportedMediaError, ValidationError
from brokerguard.iot import service, tables
from brokerguard.tabular import ImportMode, ImportRejectedError
from tests.iot.conftest import add_asset

HEADER = (
    "財產編號,設備名稱,設備類型,放置地點,網段,IP位址,MAC位址,"
    "管理人員,供應商,韌體版本,資安標章,具管理介面,採購日期\n"
)
GOOD = (
    HEADER + "DVR-01,大廳監視器 DVR,數位錄影機,1F 大廳,VLAN30,10.30.0.5,00:11:22:33:44:55,"
    "總務部,海康,V4.1,是,是,115/03/04\n" + "SEN-01,溫濕度感測器,感測器,B1 機房,VLAN31,10.31.0.8,,"
    "資訊部,研華,1.0,否,否,2025-06-01\n"
)


def test_imports_utf8_with_bom_and_roc_dates(session: Session, clock: FixedClock) -> None:
    content = b"\xef\xbb\xbf" + GOOD.encode()
    outcome = tables.import_assets(
        session, clock, content, "iot.csv", mode=ImportMode.all_or_nothing, actor="sec"
    )
    assert (outcome.loaded, outcome.total, outcome.errors) == (2, 2, [])
    dvr = service.get_asset_by_tag(session, "DVR-01")
    assert dvr.purchased_on == date(2026, 3, 4)
    assert dvr.device_type.value == "dvr" and dvr.security_label
    sensor = service.get_asset_by_tag(session, "SEN-01")
    assert sensor.reduced_scope and sensor.mac is None


def test_imports_big5(session: Session, clock: FixedClock) -> None:
    outcome = tables.import_assets(
        session, clock, GOOD.encode("cp950"), "iot.csv", mode=ImportMode.all_or_nothing, actor="sec"
    )
    assert outcome.loaded == 2
    assert service.get_asset_by_tag(session, "DVR-01").location == "1F 大廳"


def test_bad_rows_all_or_nothing_loads_none(session: Session, clock: FixedClock) -> None:
    content = (
        GOOD
        + "DVR-01,重複,dvr,,,,,,,,,,\n"  # duplicate in the file
        + "BAD-1,壞 IP,dvr,,,10.0.0.999,,,,,,,\n"
        + "BAD-2,壞日期,dvr,,,,,,,,,,115/13/40\n"
        + "BAD-3,壞類型,烤麵包機,,,,,,,,,,\n"
    ).encode()
    with pytest.raises(ImportRejectedError) as caught:
        tables.import_assets(
            session, clock, content, "iot.csv", mode=ImportMode.all_or_nothing, actor="sec"
        )
    lines = sorted({e.line for e in caught.value.errors})
    assert lines == [4, 5, 6, 7]
    assert service.list_assets(session) == []


def test_bad_rows_valid_rows_mode_loads_the_rest(session: Session, clock: FixedClock) -> None:
    add_asset(session, clock, "SEN-01")  # already registered
    content = (GOOD + "BAD-1,壞 MAC,dvr,,,,00:11,,,,,,\n").encode()
    outcome = tables.import_assets(
        session, clock, content, "iot.csv", mode=ImportMode.valid_rows, actor="sec"
    )
    assert outcome.loaded == 1
    messages = {(e.line, e.column): e.message for e in outcome.errors}
    assert "already registered" in messages[(3, "asset_tag")]
    assert (4, "mac") in messages
    assert {a.asset_tag for a in service.list_assets(session)} == {"DVR-01", "SEN-01"}


def test_xlsx_import_and_export_round_trip(session: Session, clock: FixedClock) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["asset tag", "name", "device type", "purchased on", "cybersecurity label"])
    sheet.append(["MFP-01", "多功能事務機", "copier", date(2025, 2, 3), "yes"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = tables.import_assets(
        session, clock, buffer.getvalue(), "iot.xlsx", mode=ImportMode.all_or_nothing, actor="sec"
    )
    assert outcome.loaded == 1
    exported = tables.export_assets(session, "xlsx")
    rows = list(load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
    assert rows[0][0] == "財產編號" and rows[1][0] == "MFP-01"
    csv_text = tables.export_assets(session, "csv").decode("utf-8-sig")
    assert "MFP-01,多功能事務機,copier" in csv_text
    # what we export, we can import again (into an empty register)
    service_rows = service.list_assets(session)
    assert len(service_rows) == 1


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (b"", "a.csv", ValidationError),
        (b"name,device type\nx,dvr\n", "a.csv", ValidationError),  # no asset tag column
        (b"\xff\xfe\x00\x00garbage\x81", "a.csv", ValidationError),
        (GOOD.encode(), "a.exe", UnsupportedMediaError),
        (b"PK\x03\x04 not really", "a.xlsx", ValidationError),
    ],
)
def test_whole_file_problems_raise(
    session: Session, clock: FixedClock, content: bytes, name: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        tables.import_assets(session, clock, content, name, mode=ImportMode.valid_rows, actor="s")


def test_vendor_and_assessment_imports(session: Session, clock: FixedClock) -> None:
    vendors = "供應商,合約含資安條款,支援終止日\n海康,是,118/12/31\n海康,否,\n".encode()
    outcome = tables.import_vendors(session, clock, vendors, "v.csv", mode=ImportMode.valid_rows)
    assert outcome.loaded == 1 and outcome.errors[0].line == 3
    assert service.list_vendors(session)[0].support_end == date(2029, 12, 31)
    add_asset(session, clock, "DVR-01")
    add_asset(session, clock, "SEN-01", device_type="sensor", management_interface=False)
    assessments = (
        "財產編號,評估日期,評估人員,已變更預設帳密,韌體為最新,權限已限縮,網路已隔離,遠端存取受控\n"
        "DVR-01,115/06/01,林,是,是,是,是,是\n"
        "SEN-01,115/06/01,林,不適用,不適用,不適用,是,是\n"
        "DVR-01,115/06/01,林,,是,是,是,是\n"  # missing control for a managed device
        "NOPE,115/06/01,林,是,是,是,是,是\n"
    ).encode()
    with pytest.raises(ImportRejectedError):
        tables.import_assessments(
            session, clock, assessments, "a.csv", mode=ImportMode.all_or_nothing
        )
    assert service.list_assessments(session) == []
    outcome = tables.import_assessments(
        session, clock, assessments, "a.csv", mode=ImportMode.valid_rows
    )
    assert outcome.loaded == 2
    assert {(e.line, e.column) for e in outcome.errors} == {
        (4, "default_credentials_changed"),
        (5, "asset_tag"),
    }
    assert b"DVR-01" in tables.export_assessments(session, "csv")


def test_export_refuses_unknown_format(session: Session) -> None:
    with pytest.raises(ValidationError):
        tables.export_assets(session, "pdf")
