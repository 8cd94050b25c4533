"""The shapes of refusal messages rewritten on zh-TW pages (web/refusals.py)."""

from __future__ import annotations

import pytest

from brokerguard.i18n import Translator
from brokerguard.web.refusals import page_gettext, refusal_zh
from tests.web.language_scan import other_language


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("required", "必填"),
        ("requirement_id is required", "「requirement_id」為必填"),
        (
            "not a date (want YYYY-MM-DD or ROC 115/03/04): '7/7'",
            "不是有效日期（請用 2026-03-04 或民國 115/03/04）：「7/7」",
        ),
        (
            "observed_on: not a date (want YYYY-MM-DD or ROC 115/03/04): 'x'",
            "「observed_on」不是有效日期（請用 2026-03-04 或民國 115/03/04）：「x」",
        ),
        ("decision must be approve or reject", "「decision」須為「approve」或「reject」"),
        ("channel must be one of sms, email", "「channel」須為：「sms, email」"),
        ("method must be 1-64 characters", "「method」須為 1 至 64 字"),
        ("case PH-1 is triaged, not new", "案件 PH-1 目前為「triaged」，不是「new」"),
    ],
)
def test_known_shapes_read_in_chinese(message: str, expected: str) -> None:
    assert refusal_zh(message) == expected
    assert other_language(f"<p>{expected}</p>", "zh-TW") == []


def test_unknown_shapes_and_hostile_values_are_left_or_quoted() -> None:
    assert refusal_zh("something else went wrong") is None
    assert refusal_zh("") is None
    hostile = refusal_zh("no official account named '<script>alert(1)</script>'")
    assert hostile == "沒有名為「<script>alert(1)</script>」的官方帳號"  # Jinja escapes it
    assert refusal_zh("x is required" * 10_000) is None


def test_the_templates_gettext_prefers_the_catalogue_and_keeps_english() -> None:
    zh = page_gettext(Translator("zh-TW"))
    assert zh("Evidence") == Translator("zh-TW")("Evidence")
    assert zh("title is required") == Translator("zh-TW")("title is required")  # catalogue
    assert zh("account is required") == "「account」為必填"
    assert zh(ValueError("note is required")) == "「note」為必填"
    en = page_gettext(Translator("en"))
    assert en("account is required") == "account is required"


def test_an_impossible_date_names_the_value() -> None:
    message = "not a valid date: '116/13/45' (month must be in 1..12)"
    assert refusal_zh(message) == "日期不存在：「116/13/45」"
