"""Reading observed names from feeds: CT JSON lines, domain lists, URL feeds, SMS text.

A feed line is one of:

- a JSON object from a certificate-transparency tap: certstream
  (``data.leaf_cert.all_domains``), crt.sh (``name_value``, names split by
  new lines), or any object with ``domain``, ``domains``, ``all_domains``,
  ``dns_names`` or ``url``;
- a bare domain or URL (newly-registered-domain lists, URL feeds).

Bad lines (not UTF-8, longer than :data:`MAX_LINE_BYTES`, JSON without names)
come out as :class:`LineError` and the reading goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

MAX_LINE_BYTES = 64 * 1024
MAX_NAMES_PER_LINE = 1000
_NAME_KEYS = ("all_domains", "domains", "dns_names", "domain", "url", "name_value", "common_name")


@dataclass(frozen=True)
class LineError:
    line: int
    input: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"input": self.input, "error": f"line {self.line}: {self.error}"}


def _names_from_json(data: Any) -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        leaf = data.get("data", {}).get("leaf_cert") if isinstance(data.get("data"), dict) else None
        if isinstance(leaf, dict):
            found.extend(_names_from_json(leaf))
        for key in _NAME_KEYS:
            value = data.get(key)
            if isinstance(value, str):
                found.extend(v for v in value.split("\n") if v)
            elif isinstance(value, list):
                found.extend(v for v in value if isinstance(v, str))
    return found


def names_in_line(raw: bytes, number: int) -> Iterator[str | LineError]:
    """The host names or URLs a feed line carries (wildcard ``*.`` removed)."""
    if len(raw) > MAX_LINE_BYTES:
        yield LineError(number, raw[:80].decode("utf-8", "replace"), "line longer than 64 KiB")
        return
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        yield LineError(number, raw[:80].decode("utf-8", "replace"), "not UTF-8")
        return
    if not text:
        return
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield LineError(number, text[:80], f"not JSON ({exc.msg})")
            return
        names = _names_from_json(data)
        if not names:
            yield LineError(number, text[:80], "JSON object without domain names")
            return
        for name in dict.fromkeys(names[:MAX_NAMES_PER_LINE]):
            yield name.removeprefix("*.")
        return
    yield text.removeprefix("*.")


class LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def read_feed(stream: LineReader) -> Iterator[str | LineError]:
    """Names from a feed opened in binary mode, one or more per line."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            # skip the rest of the over-long line
            while True:
                more = stream.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            yield LineError(number, raw[:80].decode("utf-8", "replace"), "line longer than 64 KiB")
            continue
        yield from names_in_line(raw.rstrip(b"\r\n"), number)


_LETTER = "a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff"
_URL = re.compile(
    r"(?:(?:https?|hxxps?)://)[^\s<>\"'（）「」，。\u3000-\u9fff]+"
    rf"|(?<![{_LETTER}-])(?:[{_LETTER}-]{{1,63}}(?:\.|\[\.\]))+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{2,59}})"
    r"(?![a-z0-9-])(?:/[^\s<>\"'，。\u3000-\u9fff]*)?",
    re.IGNORECASE,
)


def urls_in_text(text: str, *, limit: int = 200) -> list[str]:
    """URLs and bare domains in an SMS or LINE message (defanged ``[.]`` included)."""
    found: list[str] = []
    for match in _URL.finditer(text[:100_000]):
        item = match.group(0).rstrip(".,;:!?)]}")
        if item and item not in found:
            found.append(item)
        if len(found) >= limit:
            break
    return found


def lines_of(items: Iterable[str]) -> Iterator[str]:
    for item in items:
        stripped = item.strip()
        if stripped:
            yield stripped
