from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from brokerguard.errors import PayloadTooLargeError, UnsupportedMediaError, ValidationError
from brokerguard.tabular import (
    Column,
    ImportMode,
    ImportRejectedError,
    choice,
    parse_bool,
    parse_date,
    read_table,
    text,
    write_csv,
    write_xlsx,
)

COLUMNS = [
    Column("asset_tag", ("資產編號", "asset tag"), parse=text(64)),
    Column(
        "kind",
        ("設備類型", "kind"),
        parse=choice("dvr", "pbx", "copier", aliases={"影印機": "copier"}),
    ),
    Column("labelled", ("資安標章", "label"), required=False, parse=parse_bool, default=False),
    Column("installed", ("安裝日期", "installed on"), parse=parse_date),
]
CSV = "資產編號,設備類型,資安標章,安裝日期\nIOT-1,dvr,是,115/03/04\nIOT-2,影印機,否,2025-12-01\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_csv_in_every_accepted_encoding(encoding: str) -> None:
    result = read_table(CSV.encode(encoding), "assets.csv", COLUMNS, unique=["asset_tag"])
    assert result.ok
    assert result.rows[0] == {
        "asset_tag": "IOT-1",
        "kind": "dvr",
        "labelled": True,
        "installed": date(2026, 3, 4),
    }
    assert result.rows[1]["kind"] == "copier"


def test_english_headers_and_optional_columns() -> None:
    content = b"Asset Tag,KIND,Installed On\nA-1,pbx,2026-01-02\n"
    result = read_table(content, "x.csv", COLUMNS)
    assert result.rows == [
        {"asset_tag": "A-1", "kind": "pbx", "labelled": False, "installed": date(2026, 1, 2)}
    ]


def test_bad_rows_are_reported_with_line_and_column() -> None:
    content = (
        CSV + "IOT-1,dvr,是,115/03/04\nIOT-3,toaster,是,115/13/01\n,pbx,否,2026-01-01\n"
    ).encode()
    result = read_table(content, "x.csv", COLUMNS, unique=["asset_tag"])
    assert len(result.rows) == 2
    messages = {(e.line, e.column) for e in result.errors}
    assert (4, "asset_tag") in messages  # duplicate
    assert (5, "kind") in messages
    assert (5, "installed") in messages
    assert (6, "asset_tag") in messages  # empty required
    assert "duplicate of line 2" in str(result.errors[0])
    assert result.accepted(ImportMode.valid_rows) == result.rows
    with pytest.raises(ImportRejectedError, match="nothing was loaded"):
        result.accepted(ImportMode.all_or_nothing)


def test_a_row_with_several_bad_cells_counts_once() -> None:
    """Issue 13 (low): one malformed row with bad cells said "5 of 1 rows have errors"."""
    content = "資產編號,設備類型,資安標章,安裝日期\n,toaster,maybe,115/13/01\n".encode()
    result = read_table(content, "x.csv", COLUMNS)
    assert result.total == 1 and len(result.errors) == 4
    with pytest.raises(ImportRejectedError) as rejected:
        result.accepted(ImportMode.all_or_nothing)
    assert rejected.value.message.startswith("1 of 1 rows have errors")


def test_xlsx_round_trip() -> None:
    rows = [{"asset_tag": "IOT-9", "kind": "pbx", "labelled": True, "installed": date(2026, 5, 1)}]
    data = write_xlsx(COLUMNS, rows, title="IoT")
    assert load_workbook(io.BytesIO(data)).active.title == "IoT"
    result = read_table(data, "back.xlsx", COLUMNS)
    assert result.rows == rows


def test_csv_export_has_bom_and_reads_back() -> None:
    rows = [{"asset_tag": "IOT-9", "kind": "dvr", "labelled": False, "installed": date(2026, 5, 1)}]
    data = write_csv(COLUMNS, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_table(data, "back.csv", COLUMNS).rows == rows


@pytest.mark.parametrize(
    ("content", "filename", "error", "match"),
    [
        (b"", "x.csv", ValidationError, "empty"),
        (b"\n\n", "x.csv", ValidationError, "header"),
        (b"asset tag,kind\nA,dvr\n", "x.csv", ValidationError, "missing column"),
        (b"\xff\xfe\x00\x41\x00", "x.csv", ValidationError, "neither UTF-8 nor Big5"),
        (b"a,b\n", "x.exe", UnsupportedMediaError, "csv"),
        (b"not a zip", "x.xlsx", ValidationError, "XLSX"),
    ],
)
def test_whole_file_problems(
    content: bytes, filename: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        read_table(content, filename, COLUMNS)


def test_size_and_row_limits() -> None:
    with pytest.raises(PayloadTooLargeError):
        read_table(CSV.encode(), "x.csv", COLUMNS, max_bytes=10)
    many = CSV + "".join(f"IOT-{i},dvr,是,2026-01-01\n" for i in range(10, 20))
    with pytest.raises(PayloadTooLargeError, match="rows"):
        read_table(many.encode(), "x.csv", COLUMNS, max_rows=5)


def test_overlong_and_control_cells_are_row_errors() -> None:
    content = (
        f"資產編號,設備類型,安裝日期\n{'A' * 70},dvr,2026-01-01\nB\x07,dvr,2026-01-01\n".encode()
    )
    result = read_table(content, "x.csv", COLUMNS)
    assert [e.line for e in result.errors] == [2, 3]


@pytest.mark.parametrize(
    ("value", "expected"), [("是", True), ("no", False), ("Y", True), ("無", False)]
)
def test_parse_bool(value: str, expected: bool) -> None:
    assert parse_bool(value) is expected


def test_parse_bool_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("maybe")


def test_empty_workbook_has_no_header() -> None:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(ValidationError, match="header"):
        read_table(buffer.getvalue(), "x.xlsx", COLUMNS)


@pytest.mark.parametrize("payload", ["=HYPERLINK(A1)", "+1+1", "-2", "@SUM(A1)", "\tx"])
def test_exports_never_carry_a_formula(payload: str) -> None:
    rows = [{"asset_tag": payload, "kind": "dvr", "labelled": False, "installed": date(2026, 5, 1)}]
    assert b"'" + payload.encode() in write_csv(COLUMNS, rows)
    sheet = load_workbook(io.BytesIO(write_xlsx(COLUMNS, rows, title="x"))).active
    assert sheet is not None
    assert sheet["A2"].value == "'" + payload
