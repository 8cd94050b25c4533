"""Does an official account's page show the firm's name, address, phone, licence number
(A5.3.2) and the complaint channel with who handles it (A5.4.2)?

Text is compared after NFKC normalisation (full-width letters and digits
become half-width), with spaces removed, case folded and 臺 read as 台; phone
numbers are compared digit by digit, ``+886`` taken as the leading ``0``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

ITEMS = ("name", "address", "phone", "licence", "complaint", "handler")
ITEM_LABELS = {
    "name": ("公司名稱", "firm name"),
    "address": ("地址", "address"),
    "phone": ("電話", "phone number"),
    "licence": ("許可證照字號", "licence number"),
    "complaint": ("申訴管道", "complaint channel"),
    "handler": ("申訴處理單位", "complaint handler"),
}
PHONE_RE = re.compile(r"\+?\d[\d\-\s().#]{5,}\d")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("臺", "台")
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-–—()（）,，、.:：")


def normalise_phone(text: str) -> str:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    if digits.startswith("886"):
        digits = "0" + digits[3:]
    return digits


def phone_numbers(text: str) -> set[str]:
    """Every number a run of digit groups could spell, ``+886`` read as ``0``.

    A run such as ``+886 2 2311 0000 (88)`` yields each window of consecutive
    groups (``886 2 2311 0000`` among them), so text right after a number does
    not hide it.
    """
    found = set()
    for match in PHONE_RE.finditer(unicodedata.normalize("NFKC", text)):
        groups = re.findall(r"\d+", match.group(0))
        for start in range(len(groups)):
            for end in range(start + 1, min(len(groups), start + 6) + 1):
                number = normalise_phone("".join(groups[start:end]))
                if 7 <= len(number) <= 12:
                    found.add(number)
    return found


class _TextExtractor(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        values = dict(attrs)
        if tag == "meta" and values.get("content"):
            name = (values.get("name") or values.get("property") or "").lower()
            if name in ("description", "og:description", "og:title", "twitter:description"):
                self.parts.append(values["content"] or "")
        if tag == "a" and values.get("href"):
            href = values["href"] or ""
            if href.startswith(("tel:", "mailto:", "http://", "https://")):
                self.parts.append(
                    href.split(":", 1)[1] if href.startswith(("tel:", "mailto:")) else href
                )

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def page_text(content: bytes, charset: str | None) -> str:
    encodings = [c for c in (charset, "utf-8", "cp950") if c]
    decoded = None
    for encoding in encodings:
        try:
            decoded = content.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if decoded is None:
        decoded = content.decode("utf-8", errors="replace")
    parser = _TextExtractor()
    parser.feed(decoded)
    parser.close()
    return "\n".join(parser.parts)


@dataclass(frozen=True)
class Expected:
    firm_name: str
    address: str
    phone: str
    licence_number: str
    complaint_contact: str
    complaint_handler: str


def _contains(haystack: str, needle: str) -> bool:
    wanted = normalise(needle)
    return bool(wanted) and wanted in haystack


def _address_found(haystack: str, address: str) -> bool:
    if _contains(haystack, address):
        return True
    without_postcode = re.sub(r"^\s*\d{3,6}\s*", "", unicodedata.normalize("NFKC", address))
    return without_postcode != address and _contains(haystack, without_postcode)


def _looks_like_phone(text: str) -> bool:
    return len(normalise_phone(text)) >= 7 and not re.search(r"[@/]", text)


def missing_items(text: str, expected: Expected) -> list[str]:
    """The disclosure items (keys of ``ITEM_LABELS``) that the page text does not show."""
    haystack = normalise(text)
    numbers = phone_numbers(text)
    missing = []
    if not _contains(haystack, expected.firm_name):
        missing.append("name")
    if not _address_found(haystack, expected.address):
        missing.append("address")
    if normalise_phone(expected.phone) not in numbers:
        missing.append("phone")
    if not _contains(haystack, expected.licence_number):
        missing.append("licence")
    contact = expected.complaint_contact
    if _looks_like_phone(contact):
        if normalise_phone(contact) not in numbers:
            missing.append("complaint")
    elif not _contains(haystack, contact):
        missing.append("complaint")
    if not _contains(haystack, expected.complaint_handler):
        missing.append("handler")
    return missing
