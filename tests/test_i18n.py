"""The zh-TW catalog: one translation per message, and every UI string translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import brokerguard
from brokerguard.i18n import LOCALE_DIR, Translator, normalise_language, pick

PACKAGE = Path(brokerguard.__file__).parent
CATALOG = LOCALE_DIR / "zh_TW" / "LC_MESSAGES" / "messages.po"
UI_STRING = re.compile(r"""\b_\(\s*(["'])((?:(?!\1).)+)\1\s*\)""")


def _msgids() -> list[str]:
    return re.findall(r'^msgid "(.+)"$', CATALOG.read_text(encoding="utf-8"), re.M)


def test_every_message_has_exactly_one_entry() -> None:
    ids = _msgids()
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicated == [], "a union merge left two translations for the same English text"


def test_every_ui_string_is_translated() -> None:
    with CATALOG.open("rb") as handle:
        translated = {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing: set[tuple[str, str]] = set()
    for path in [*PACKAGE.rglob("*.html"), *PACKAGE.rglob("views.py")]:
        for _, text in UI_STRING.findall(path.read_text(encoding="utf-8")):
            if text not in translated:
                missing.add((path.relative_to(PACKAGE).as_posix(), text))
    assert sorted(missing) == []


def test_translator_falls_back_to_english_and_picks() -> None:
    zh = Translator("zh-TW")
    assert zh("Dashboard") == "儀表板"
    assert zh("No such message, left in English") == "No such message, left in English"
    assert Translator("en")("Dashboard") == "Dashboard"
    assert normalise_language("zh_tw") == "zh-TW" and normalise_language("fr") == "zh-TW"
    assert pick("en", "中文", "English") == "English" and pick("en", "中文", "") == "中文"
