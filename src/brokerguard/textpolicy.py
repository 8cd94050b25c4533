"""One text policy for every free-text value the platform accepts or writes out.

Accepting (API bodies, forms, imports, CLI): a value may not carry

- control characters (Unicode category Cc: C0, DEL, C1), except tab and line breaks
  in a field meant to hold several lines (:data:`MultilineText`), where ``\\r\\n`` and
  ``\\r`` are normalised to ``\\n``;
- bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
  U+2066-U+2069): they reorder what a reader sees ("Trojan Source");
- lone surrogates (U+D800-U+DFFF) and the noncharacters U+FFFE, U+FFFF: no UTF-8 or
  XML file can hold them.

A value that breaks the rule is refused with a message naming the character and its
position; the web layer turns it into a 422 naming the field.

Writing (CSV, XLSX, PDF exports): :func:`neutralise` replaces whatever the format cannot
carry, or should not show, with U+FFFD, so an export never fails on a row stored before
this policy (``brokerguard text repair`` cleans those rows).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

#: bidirectional formatting characters (Unicode Bidi_Control)
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: line breaks and tab, allowed in multi-line text
MULTILINE_ALLOWED = frozenset("\t\n\r")
REPLACEMENT = "\ufffd"

_CONTROL = "\x00-\x1f\x7f-\x9f"
_BIDI = "".join(sorted(BIDI_CONTROLS))
_UNENCODABLE = "\ud800-\udfff\ufffe\uffff"
#: everything refused in single-line text
_SINGLE_LINE_RE = re.compile(f"[{_CONTROL}{_BIDI}{_UNENCODABLE}]")
#: everything refused in multi-line text (tab, LF and CR allowed)
_MULTILINE_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_UNENCODABLE}]")


def _describe(char: str) -> str:
    if char in BIDI_CONTROLS:
        kind = "a bidirectional formatting character"
    elif "\ud800" <= char <= "\udfff":
        kind = "a lone surrogate"
    elif char in "\ufffe\uffff":
        kind = "a Unicode noncharacter"
    else:
        kind = "a control character"
    return f"{kind} U+{ord(char):04X}"


def unsafe_character(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The position and the first character ``value`` may not carry, or None."""
    match = (_MULTILINE_RE if multiline else _SINGLE_LINE_RE).search(value)
    return None if match is None else (match.start(), match.group())


def check_text(value: str, *, multiline: bool = False) -> str:
    """``value`` if it follows the policy (line breaks normalised to LF when ``multiline``).

    Raises ValueError naming the first offending character and its position.
    """
    found = unsafe_character(value, multiline=multiline)
    if found is not None:
        position, char = found
        where = "multi-line text" if multiline else "single-line text"
        raise ValueError(
            f"contains {_describe(char)} at position {position + 1}, not allowed in {where}"
        )
    if multiline and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def check_single_line(value: str) -> str:
    return check_text(value)


def check_multiline(value: str) -> str:
    return check_text(value, multiline=True)


class MultilineMarker:
    """Marks a field whose strings may hold several lines (see :data:`MULTILINE`)."""

    def __repr__(self) -> str:
        return "MULTILINE"


#: ``Annotated[dict[str, str], MULTILINE]``: the strings inside may hold several lines
MULTILINE = MultilineMarker()
#: a one-line free-text value (names, titles, references)
PlainText = Annotated[str, AfterValidator(check_single_line)]
#: free text meant to hold several lines (notes, plans, descriptions): tab and LF allowed
MultilineText = Annotated[str, MULTILINE, AfterValidator(check_multiline)]


def is_multiline(metadata: list[object]) -> bool:
    """Whether a field's Pydantic metadata marks it as multi-line text."""
    return any(isinstance(item, MultilineMarker) for item in metadata)


def neutralise(value: str, *, multiline: bool = True) -> str:
    """``value`` with every character the policy refuses replaced by U+FFFD (exports)."""
    return (_MULTILINE_RE if multiline else _SINGLE_LINE_RE).sub(REPLACEMENT, value)
