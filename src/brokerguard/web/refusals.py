"""Refusal messages in the page's language (issue 17, items 1 and 3).

The services word their refusals in English for the API and the CLI
(``requirement_id is required``, ``not a date (want YYYY-MM-DD ...): '7/7'``); many
carry the field or the value refused, so a fixed catalogue entry cannot match them.
On a zh-TW page each known shape is rewritten from this table, the field and the
value quoted as data (「」). A message of no known shape is left as it is, where
the refusal walk (tests/web/test_refusal_language.py) finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from brokerguard.i18n import Translator

_DATE = r"not a date \(want YYYY-MM-DD or ROC 115/03/04\): '(?P<value>.*)'"
_DATE_ZH = "不是有效日期（請用 2026-03-04 或民國 115/03/04）：「{value}」"
#: (English shape, zh-TW text with the shape's named parts)
SHAPES: tuple[tuple[str, str], ...] = (
    (r"required", "必填"),
    (r"(?P<field>[a-z_]+) is required", "「{field}」為必填"),
    (_DATE, _DATE_ZH),
    (r"not a valid date: '(?P<value>.*)' \((?P<why>[^()]*)\)", "日期不存在：「{value}」"),
    (r"empty date", "日期未填寫"),
    (rf"(?P<field>[a-z_]+): {_DATE}", "「{field}」" + _DATE_ZH),
    (rf"{_DATE} \((?P<field>[a-z_]+)\)", "「{field}」" + _DATE_ZH),
    (r"(?P<field>[a-z_]+): must be one of (?P<values>[\w., ]+)", "「{field}」須為：{values}"),
    (
        r"(?P<field>[a-z_]+): '(?P<value>.*)' is not one of (?P<values>[\w, ]+)",
        "「{field}」之值「{value}」不在可選之列（{values}）",
    ),
    (r"(?P<field>[a-z_]+) must be one of (?P<values>[\w, ]+)", "「{field}」須為：「{values}」"),
    (
        r"(?P<field>[a-z_]+) must be (?P<one>[a-z_]+) or (?P<other>[a-z_]+)",
        "「{field}」須為「{one}」或「{other}」",
    ),
    (r"(?P<field>[a-z_]+): must be an http\(s\) address", "「{field}」須為 https:// 網址"),
    (
        r"(?P<field>[a-z_]+): employee ID may hold only letters, digits, - and _",
        "「{field}」員工編號僅可含英文字母、數字、「-」與「_」",
    ),
    (
        r"(?P<field>[a-z_]+): course code may hold only letters, digits, \., - and _",
        "「{field}」課程代碼僅可含英文字母、數字、「.」「-」與「_」",
    ),
    (
        r"(?P<field>[a-z_]+): not yes/no: '(?P<value>.*)' \(use 是/否 or yes/no\)",
        "「{field}」須為 是／否：「{value}」",
    ),
    (
        r"customer_ref is the account or application number \(letters, digits, - _\)",
        "「customer_ref」須為帳號或申請編號（英文字母、數字、「-」與「_」）",
    ),
    (
        r"explain the override \(at least 10 characters\): what was checked instead",
        "請說明改以何種方式確認（至少 10 字）",
    ),
    (r"sha256 must be 64 hexadecimal characters", "「sha256」須為 64 個十六進位字元"),
    (
        r"(?P<field>[a-z_]+) must be (?P<low>\d+)-(?P<high>\d+) characters",
        "「{field}」須為 {low} 至 {high} 字",
    ),
    (r"say how the finding was resolved( \(note\))?", "請說明缺失如何改善完成"),
    (r"describe the improvement plan( \(plan\))?", "請說明改善計畫"),
    (
        r"closing evidence must be a reference like evidence:sha256:<64 hex digits>"
        r"( \(closing_evidence\))?",
        "結案佐證須為證據參照，例如「evidence:sha256:」加 64 個十六進位字元",
    ),
    (
        r"case (?P<case>[\w-]+) is (?P<now>[a-z_]+), not (?P<want>[a-z_]+)",
        "案件 {case} 目前為「{now}」，不是「{want}」",
    ),
    (r"the subject must be one line of 1-200 characters", "主旨須為單行、1 至 200 字"),
    (r"no official account named '(?P<value>.*)'", "沒有名為「{value}」的官方帳號"),
    (r"the phone number needs at least 7 digits", "電話號碼至少須有 7 位數字"),
)
_COMPILED = tuple((re.compile(rf"^{shape}$", re.S), text) for shape, text in SHAPES)


def refusal_zh(message: str) -> str | None:
    """``message`` in zh-TW when it has a known shape, else ``None``."""
    for pattern, text in _COMPILED:
        found = pattern.match(message)
        if found is not None:
            parts = {k: v or "" for k, v in found.groupdict().items()}
            return text.format(**parts)
    return None


def page_gettext(translator: Translator) -> Callable[[object], str]:
    """The templates' ``_``: the catalogue first, then (zh-TW) a refusal's known shape
    (a template may hand it an error object: its text is translated)."""

    def gettext(value: object) -> str:
        message = value if isinstance(value, str) else str(value)
        if translator.language == "zh-TW" and not translator.knows(message):
            shaped = refusal_zh(message)
            if shaped is not None:
                return shaped
        return translator.gettext(message)

    return gettext
