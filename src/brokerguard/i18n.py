"""Languages: zh-TW (default) and English.

User-interface strings are written in English in the code and templates
(``_("Dashboard")``) and translated from the Babel catalog
``locale/zh_TW/LC_MESSAGES/messages.po``. Data that is bilingual by nature
(requirement texts, check reasons) carries both languages and is picked with
:func:`pick`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh-TW", "en")
DEFAULT_LANGUAGE = "zh-TW"
LOCALE_DIR = Path(__file__).with_name("locale")


def normalise_language(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    if not value:
        return default
    lowered = value.strip().replace("_", "-").lower()
    if lowered in ("zh-tw", "zh-hant", "zh", "tw"):
        return "zh-TW"
    if lowered.startswith("en"):
        return "en"
    return default


@lru_cache(maxsize=4)
def catalog(language: str) -> dict[str, str]:
    """msgid -> translation for ``language`` (empty for English, the source language)."""
    if language == "en":
        return {}
    path = LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and isinstance(m.id, str)}


class Translator:
    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)
        self._messages = catalog(self.language)

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def knows(self, message: str) -> bool:
        """Whether the catalogue has ``message``."""
        return message in self._messages

    __call__ = gettext

    def pick(self, zh: str | None, en: str | None) -> str:
        return pick(self.language, zh, en)


def pick(language: str, zh: str | None, en: str | None) -> str:
    """The text in ``language``, falling back to the other one."""
    if language == "en":
        return en or zh or ""
    return zh or en or ""
