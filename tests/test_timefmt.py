"""One time format per language, always Taipei time with the zone (issue 17, item 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from brokerguard.tabular import Column, write_csv
from brokerguard.timefmt import format_when
from brokerguard.web.templating import templates

UTC_EVENING = datetime(2026, 12, 2, 15, 39, 32, 892201, tzinfo=UTC)


def test_zh_tw_shows_roc_date_in_taipei_time_with_the_zone() -> None:
    assert format_when(UTC_EVENING, "zh-TW") == "115/12/02 23:39 (UTC+8)"
    assert format_when(UTC_EVENING, "zh-TW", "second") == "115/12/02 23:39:32 (UTC+8)"
    assert format_when(UTC_EVENING, "zh-TW", "date") == "115/12/02"


def test_english_shows_iso_in_taipei_time_with_the_zone() -> None:
    assert format_when(UTC_EVENING, "en") == "2026-12-02 23:39 (UTC+8)"
    assert format_when(UTC_EVENING, "en", "date") == "2026-12-02"


def test_the_taipei_day_is_not_the_utc_day() -> None:
    late_utc = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 04:00 on the 3rd in Taipei
    assert format_when(late_utc, "en", "date") == "2026-12-03"
    assert format_when(late_utc, "zh-TW", "date") == "115/12/03"


def test_naive_values_are_utc_and_iso_text_is_parsed() -> None:
    naive = UTC_EVENING.replace(tzinfo=None)
    assert format_when(naive, "en") == "2026-12-02 23:39 (UTC+8)"
    assert format_when("2026-12-02T15:39:32.892201Z", "zh-TW") == "115/12/02 23:39 (UTC+8)"
    assert format_when("not a time", "en") == "not a time"
    assert format_when(None, "en") == format_when("", "zh-TW") == "—"


def test_exports_carry_the_offset_in_both_languages() -> None:
    assert format_when(UTC_EVENING, "zh-TW", "export") == "2026-12-02T23:39:32+08:00"
    assert format_when(date(2026, 12, 2), "zh-TW", "export") == "2026-12-02"
    csv = write_csv(
        [Column("at", ("時間",)), Column("due", ("到期日",))],
        [{"at": UTC_EVENING, "due": date(2026, 12, 31)}],
    ).decode("utf-8-sig")
    assert csv.splitlines()[1] == "2026-12-02T23:39:32+08:00,2026-12-31"


def test_template_filters_use_the_same_function() -> None:
    dt = templates.env.filters["dt"]
    assert dt(UTC_EVENING, "zh-TW") == format_when(UTC_EVENING, "zh-TW")
    assert templates.env.filters["dts"](UTC_EVENING, "en") == "2026-12-02 23:39:32 (UTC+8)"
    assert templates.env.filters["d"](UTC_EVENING, "en") == "2026-12-02"
