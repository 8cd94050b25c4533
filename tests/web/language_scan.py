"""Find text of the other language on a rendered page (issue 17, item 1).

A page's own words come from the catalogue; data is quoted as data: an element
with ``translate="no"`` (names, rule text, hashes, file names) or with its own
``lang`` (the zh-TW rule text on an English page), class ``mono`` (hashes,
package and domain names), ``<code>``, ``<pre>``,
``<script>``, ``<style>`` and ``<textarea>``. Everything else must be in the
page's language: no CJK on an English page, no English words on a zh-TW page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: a word of running English text: letters only, not part of a name such as
#: ``etrade-ios``, ``demo.sec`` or ``PH-20261121-0001``
ENGLISH_WORD = re.compile(r"(?<![\w./@:#?=&-])[A-Za-z]*[a-z][A-Za-z]*(?:'[a-z]+)?(?![\w./@:?=&-])")
#: text a zh-TW sentence quotes: 「shifan-zhengquan」, {firm}, `a command`, and an
#: original name in full-width brackets: （compliance）, （brokerguard worker）
QUOTED = re.compile(r"「[^」]*」|\{[^}]*\}|`[^`]*`|（[\x20-\x7e]+）")
#: words a zh-TW page uses as they are: product, platform and standard names
ZH_KEEPS_LATIN = frozenset(
    [
        "brokerguard",
        "App",
        "iOS",
        "Android",
        "Google",
        "Play",
        "Apple",
        "Store",
        "Email",
        "IoT",
        "Merkle",
        "WebAuthn",
        "OSCAL",
        "English",
        "Excel",
        "LINE",
        "Facebook",
        "Instagram",
        "YouTube",
        "Telegram",
        "Threads",
        "TikTok",
        "OpenAPI",
        "Windows",
        "macOS",
        "iPadOS",
        "Linux",
        "Wi",
        "Fi",
        "root",
        "Root",
        "Mobile",
        "Top",
        "nmap",
        "oX",
        "XML",
        "WebM",
        "Face",
        "Touch",
    ]
)
SKIP = frozenset({"code", "pre", "script", "style", "textarea", "svg", "title"})
VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # True: inside quoted data
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            names = dict(attrs)
            for attribute in ("placeholder", "aria-label", "alt", "title"):
                value = names.get(attribute)
                if value and names.get("translate") != "no" and not self._quoted():
                    self.texts.append(value)
            return
        names = dict(attrs)
        quoted = (
            self._quoted()
            or tag in SKIP
            or names.get("translate") == "no"
            or "mono" in (names.get("class") or "").split()
            or (names.get("lang") is not None and tag != "html")
        )
        self.stack.append(quoted)
        if not quoted:
            for attribute in ("aria-label", "title", "placeholder"):
                value = names.get(attribute)
                if value:
                    self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._quoted() and data.strip():
            self.texts.append(data.strip())

    def _quoted(self) -> bool:
        return bool(self.stack and self.stack[-1])


def page_texts(html: str) -> list[str]:
    """The page's own words: visible text and labels outside quoted data."""
    parser = _Text()
    parser.feed(html)
    return parser.texts


def other_language(html: str, language: str) -> list[str]:
    """Texts of ``html`` that are not in ``language`` (empty when the page is clean).

    English page: a text with CJK and no English word (a sentence may quote a
    Chinese name; a bare Chinese label is a leak). zh-TW page: a text with an
    English word that is not a product or standard name.
    """
    found = []
    for text in page_texts(html):
        words = [w for w in ENGLISH_WORD.findall(QUOTED.sub(" ", text)) if len(w) >= 2]
        if language == "en":
            if CJK.search(text) and not any(len(w) >= 3 for w in words):
                found.append(text)
        elif any(w not in ZH_KEEPS_LATIN for w in words):
            found.append(text)
    return found
