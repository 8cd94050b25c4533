"""The register kit through one real register (training people and attendance)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.registerkit.rows import column_row
from brokerguard.registerkit.spec import (
    create_item,
    export_items,
    export_rows,
    import_items,
    list_items,
    parse_mode,
    table_file,
    update_item,
)
from brokerguard.tabular import Column, ImportMode, ImportRejectedError, read_table, text
from brokerguard.training.service import ATTENDANCE, COURSES, PEOPLE

PEOPLE_CSV = (
    "員工編號,姓名,單位,職務\nE001,王小明,資訊部,系統管理員\nE002,林美華,資安專責單位,資安人員\n"
)


def test_create_edit_and_list(session: Session, clock: FixedClock) -> None:
    row = create_item(
        session,
        clock,
        PEOPLE,
        {"employee_id": "E001", "name": "王小明", "unit": "資訊部", "role": "工程師"},
        "alice",
    )
    assert row.active is True
    update_item(session, clock, PEOPLE, row.id, {"unit": "營運部", "active": False}, "bob")
    (only,) = list_items(session, PEOPLE)
    assert (only.unit, only.active, only.name, only.updated_by) == (
        "營運部",
        False,
        "王小明",
        "bob",
    )


def test_duplicate_key_is_refused(session: Session, clock: FixedClock) -> None:
    values = {"employee_id": "E001", "name": "王小明", "unit": "資訊部", "role": "工程師"}
    create_item(session, clock, PEOPLE, values, "alice")
    with pytest.raises(ValidationError) as caught:
        create_item(session, clock, PEOPLE, values, "alice")
    assert caught.value.field == "employee_id"


def test_edit_cannot_take_anothers_key(session: Session, clock: FixedClock) -> None:
    create_item(
        session, clock, PEOPLE, {"employee_id": "E1", "name": "A", "unit": "U", "role": "R"}, "a"
    )
    second = create_item(
        session, clock, PEOPLE, {"employee_id": "E2", "name": "B", "unit": "U", "role": "R"}, "a"
    )
    with pytest.raises(ValidationError):
        update_item(session, clock, PEOPLE, second.id, {"employee_id": "E1"}, "a")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"employee_id": "", "name": "A", "unit": "U", "role": "R"}, "employee_id"),
        ({"employee_id": "E 1;DROP", "name": "A", "unit": "U", "role": "R"}, "employee_id"),
        ({"employee_id": "E1", "name": "A" * 200, "unit": "U", "role": "R"}, "name"),
        ({"employee_id": "E1", "name": "A\x00", "unit": "U", "role": "R"}, "name"),
        ({"employee_id": "E1", "name": "A", "unit": "U", "role": "R", "active": "maybe"}, "active"),
        ({"employee_id": "E1", "name": "A", "unit": "U", "role": "R", "salary": "1"}, "salary"),
        ({"employee_id": "E1", "name": "A", "unit": "U", "role": "R" * 5000}, "role"),
    ],
)
def test_bad_values_name_the_field(
    session: Session, clock: FixedClock, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_item(session, clock, PEOPLE, values, "alice")
    assert caught.value.field == field
    assert list_items(session, PEOPLE) == []


def test_update_unknown_id(session: Session, clock: FixedClock) -> None:
    with pytest.raises(NotFoundError):
        update_item(session, clock, PEOPLE, "nope", {"name": "x"}, "a")
    with pytest.raises(NotFoundError):
        update_item(session, clock, PEOPLE, "x" * 5000, {"name": "x"}, "a")


@pytest.mark.parametrize(
    "encoded",
    [
        PEOPLE_CSV.encode("utf-8"),
        b"\xef\xbb\xbf" + PEOPLE_CSV.encode("utf-8"),
        PEOPLE_CSV.encode("cp950"),
    ],
    ids=["utf8", "utf8-bom", "big5"],
)
def test_import_encodings(session: Session, clock: FixedClock, encoded: bytes) -> None:
    summary = import_items(
        session, clock, PEOPLE, encoded, "people.csv", ImportMode.all_or_nothing, "a"
    )
    assert (summary.created, summary.updated, summary.errors) == (2, 0, [])
    assert sorted(p.name for p in list_items(session, PEOPLE)) == ["林美華", "王小明"]


def test_import_updates_known_keys(session: Session, clock: FixedClock) -> None:
    import_items(
        session, clock, PEOPLE, PEOPLE_CSV.encode(), "p.csv", ImportMode.all_or_nothing, "a"
    )
    changed = PEOPLE_CSV.replace("系統管理員", "資訊主管")
    summary = import_items(
        session, clock, PEOPLE, changed.encode(), "p.csv", ImportMode.all_or_nothing, "a"
    )
    assert (summary.created, summary.updated) == (0, 2)
    assert {p.role for p in list_items(session, PEOPLE)} == {"資訊主管", "資安人員"}


def _seed_course_and_person(session: Session, clock: FixedClock) -> None:
    create_item(
        session,
        clock,
        COURSES,
        {"code": "IOT-1", "title": "IoT", "topic": "iot", "frequency_months": "12"},
        "a",
    )
    create_item(
        session, clock, PEOPLE, {"employee_id": "E001", "name": "A", "unit": "U", "role": "R"}, "a"
    )


ATTENDANCE_CSV = (
    "員工編號,課程代碼,完成日期\n"
    "E001,IOT-1,115/03/04\n"  # ROC date
    "E999,IOT-1,2026-03-04\n"  # unknown person: a service-rule error
    "E001,IOT-1,2026-13-01\n"  # bad date: a parse error
)


def test_import_all_or_nothing_loads_nothing(session: Session, clock: FixedClock) -> None:
    _seed_course_and_person(session, clock)
    with pytest.raises(ImportRejectedError) as caught:
        import_items(
            session,
            clock,
            ATTENDANCE,
            ATTENDANCE_CSV.encode(),
            "a.csv",
            ImportMode.all_or_nothing,
            "a",
        )
    assert {e.line for e in caught.value.errors} == {4}
    assert list_items(session, ATTENDANCE) == []
    # the service rule (unknown person) is also refused in all-or-nothing mode
    only_rule = "員工編號,課程代碼,完成日期\nE001,IOT-1,115/03/04\nE999,IOT-1,2026-03-04\n"
    with pytest.raises(ImportRejectedError) as caught:
        import_items(
            session, clock, ATTENDANCE, only_rule.encode(), "a.csv", ImportMode.all_or_nothing, "a"
        )
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "employee_id")]
    assert list_items(session, ATTENDANCE) == []


def test_import_valid_rows_reports_the_rest(session: Session, clock: FixedClock) -> None:
    _seed_course_and_person(session, clock)
    summary = import_items(
        session, clock, ATTENDANCE, ATTENDANCE_CSV.encode(), "a.csv", ImportMode.valid_rows, "a"
    )
    assert summary.created == 1
    assert sorted(e.line for e in summary.errors) == [3, 4]
    (row,) = list_items(session, ATTENDANCE)
    assert row.completed_on == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"", "p.csv"),
        (b"\x00\x01\x02", "p.bin"),
        ("姓名\n王小明\n".encode(), "p.csv"),  # missing columns
        (b"PK\x03\x04garbage", "p.xlsx"),
        ("\ufffe".encode("utf-16") * 10, "p.csv"),
    ],
    ids=["empty", "wrong-type", "missing-columns", "bad-xlsx", "utf16"],
)
def test_import_whole_file_problems(
    session: Session, clock: FixedClock, content: bytes, filename: str
) -> None:
    with pytest.raises(ValidationError):
        import_items(session, clock, PEOPLE, content, filename, ImportMode.valid_rows, "a")


def test_import_duplicate_rows_in_file(session: Session, clock: FixedClock) -> None:
    dup = PEOPLE_CSV + "E001,王大明,資訊部,工程師\n"
    summary = import_items(
        session, clock, PEOPLE, dup.encode(), "p.csv", ImportMode.valid_rows, "a"
    )
    assert summary.created == 2
    assert [e.line for e in summary.errors] == [4]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trip(session: Session, clock: FixedClock, fmt: str) -> None:
    import_items(
        session, clock, PEOPLE, PEOPLE_CSV.encode(), "p.csv", ImportMode.all_or_nothing, "a"
    )
    content, _media_type, filename = export_items(session, PEOPLE, fmt)
    assert filename.endswith(fmt)
    table = read_table(content, filename, PEOPLE.columns)
    assert table.errors == []
    assert sorted(r["employee_id"] for r in table.rows) == ["E001", "E002"]
    assert len(export_rows(session, PEOPLE)) == 2


def test_export_format_and_mode_are_checked(session: Session) -> None:
    with pytest.raises(ValidationError):
        export_items(session, PEOPLE, "pdf")
    with pytest.raises(ValidationError):
        parse_mode("some")
    assert parse_mode("valid_rows") is ImportMode.valid_rows


def test_xlsx_import_updates_entries(session: Session, clock: FixedClock) -> None:
    import_items(
        session, clock, PEOPLE, PEOPLE_CSV.encode(), "p.csv", ImportMode.all_or_nothing, "a"
    )
    content, _, filename = export_items(session, PEOPLE, "xlsx")
    summary = import_items(
        session, clock, PEOPLE, content, filename, ImportMode.all_or_nothing, "b"
    )
    assert (summary.created, summary.updated, summary.errors) == (0, 2, [])
    assert {p.updated_by for p in list_items(session, PEOPLE)} == {"b"}


def test_refused_row_in_valid_rows_mode_leaves_no_trace(
    session: Session, clock: FixedClock
) -> None:
    _seed_course_and_person(session, clock)
    create_item(
        session,
        clock,
        ATTENDANCE,
        {"employee_id": "E001", "course_code": "IOT-1", "completed_on": "2026-01-05"},
        "a",
    )
    rows = (
        "員工編號,課程代碼,完成日期,備註\n"
        "E001,IOT-1,2026-01-05,改過的備註\n"
        "E001,NOPE,2026-01-06,x\n"
    )
    summary = import_items(
        session, clock, ATTENDANCE, rows.encode(), "a.csv", ImportMode.valid_rows, "a"
    )
    assert (summary.created, summary.updated) == (0, 1)
    assert [(e.line, e.column) for e in summary.errors] == [(3, "course_code")]
    (row,) = list_items(session, ATTENDANCE)
    assert row.note == "改過的備註"


def test_lookup_cache_lives_only_for_one_import(session: Session, clock: FixedClock) -> None:
    _seed_course_and_person(session, clock)
    rows = "員工編號,課程代碼,完成日期\nE777,IOT-1,2026-03-04\n"
    first = import_items(
        session, clock, ATTENDANCE, rows.encode(), "a.csv", ImportMode.valid_rows, "a"
    )
    assert (first.created, len(first.errors)) == (0, 1)
    create_item(
        session,
        clock,
        PEOPLE,
        {"employee_id": "E777", "name": "新人", "unit": "U", "role": "R"},
        "a",
    )
    again = import_items(
        session, clock, ATTENDANCE, rows.encode(), "a.csv", ImportMode.valid_rows, "a"
    )
    assert (again.created, again.errors) == (1, [])


def test_table_file_names_the_file_and_its_media_type() -> None:
    columns = (Column("name", ("名稱", "name"), parse=text(32)),)
    rows: list[dict[str, object]] = [{"name": "王小明"}]
    content, media_type, filename = table_file(columns, rows, "csv", "people")
    assert (media_type, filename) == ("text/csv; charset=utf-8", "people.csv")
    assert read_table(content, filename, columns).rows == [{"name": "王小明"}]
    content, media_type, filename = table_file(columns, rows, "xlsx", "people")
    assert filename == "people.xlsx"
    assert media_type.endswith("spreadsheetml.sheet")
    assert read_table(content, filename, columns).rows == [{"name": "王小明"}]
    with pytest.raises(ValidationError) as caught:
        table_file(columns, rows, "pdf", "people")
    assert (caught.value.field, caught.value.message) == (
        "format",
        "format must be csv or xlsx, not 'pdf'",
    )


def test_column_row_shows_the_id_then_each_column_in_order(
    session: Session, clock: FixedClock
) -> None:
    row = create_item(
        session,
        clock,
        PEOPLE,
        {"employee_id": "E009", "name": "陳大文", "unit": "稽核室", "role": "稽核"},
        "t",
    )
    shown = column_row(PEOPLE.columns)(session, row)
    assert list(shown) == ["id", "employee_id", "name", "unit", "role", "active"]
    assert (shown["id"], shown["name"], shown["active"]) == (row.id, "陳大文", True)
