"""Character tables behind lookalike generation and detection.

- keyboard neighbours (QWERTY, QWERTZ, AZERTY) derived from the key rows;
- homoglyphs: ASCII look-alikes (``rn`` for ``m``, ``0`` for ``o``) kept by hand,
  and Unicode look-alikes derived from the Unicode character database
  (every IDNA-valid Latin small letter whose name or decomposition is a base
  letter with a mark, a stroke, a hook or small-capital form) and from the
  Unicode TR39 confusables table shipped by ``confusable_homoglyphs``;
- Latin -> Cyrillic look-alikes (TR39);
- :func:`skeleton`: the TR39 confusable skeleton, folded to ASCII, used to
  recognise homoglyph domains that no generator produced.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import confusable_homoglyphs
import idna

_ROWS = {
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "qwertz": ("1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
    "azerty": ("1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"),
}


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    """Keys touching each key on a staggered keyboard (row above: i, i+1; below: i-1, i)."""
    table: dict[str, str] = {}
    for r, row in enumerate(rows):
        for i, key in enumerate(row):
            near: list[str] = []
            for j in (i - 1, i + 1):
                if 0 <= j < len(row):
                    near.append(row[j])
            if r > 0:
                above = rows[r - 1]
                near.extend(above[j] for j in (i, i + 1) if 0 <= j < len(above))
            if r + 1 < len(rows):
                below = rows[r + 1]
                near.extend(below[j] for j in (i - 1, i) if 0 <= j < len(below))
            table[key] = "".join(near)
    return table


KEYBOARDS: dict[str, dict[str, str]] = {name: _neighbours(rows) for name, rows in _ROWS.items()}

#: ASCII sequences that read like others in common fonts (both directions where it holds)
ASCII_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("o",),
    "1": ("l", "i"),
    "3": ("8",),
    "6": ("9",),
    "8": ("3",),
    "9": ("6",),
    "b": ("d", "lb"),
    "c": ("e",),
    "d": ("b", "cl", "dl"),
    "e": ("c",),
    "g": ("q",),
    "h": ("lh",),
    "i": ("1", "l"),
    "k": ("lc",),
    "l": ("1", "i"),
    "m": ("n", "nn", "rn"),
    "n": ("m", "r"),
    "o": ("0",),
    "q": ("g",),
    "u": ("v",),
    "v": ("u",),
    "w": ("vv",),
    "rn": ("m",),
    "cl": ("d",),
}

#: Latin letters that are not decompositions of a base letter but read as one
_LATIN_EXTRA: dict[str, str] = {
    "a": "ɑə",
    "b": "ƅ",
    "i": "ɩı",
    "k": "ĸ",
    "n": "ŋ",
    "p": "ƿ",
    "2": "ƻ",
    "3": "ʒ",
    "5": "ƽ",
}

_NAME = re.compile(
    r"^LATIN (?:SMALL LETTER (?:SCRIPT |DOTLESS )?|LETTER SMALL CAPITAL )([A-Z])(?: WITH .*| BAR)?$"
)

_TR39 = Path(confusable_homoglyphs.__file__).with_name("confusables.json")

# Scripts that registries allow to be mixed with Latin never include these blocks.
_IDNA_RANGES = (range(0x00C0, 0x0250), range(0x0250, 0x02B0), range(0x1D00, 0x1DC0),
                range(0x1E00, 0x1F00), range(0x2C60, 0x2C80), range(0xA720, 0xA800))  # fmt: skip


def _idna_valid(char: str) -> bool:
    try:
        idna.encode("a" + char + "a")
    except idna.IDNAError:
        return False
    return True


@cache
def unicode_glyphs() -> dict[str, tuple[str, ...]]:
    """ASCII letter or digit -> IDNA-valid Latin look-alikes (accented, hooked, small caps)."""
    found: dict[str, set[str]] = {}
    for block in _IDNA_RANGES:
        for code in block:
            char = chr(code)
            name = unicodedata.name(char, "")
            base = ""
            match = _NAME.match(name)
            if match:
                base = match.group(1).lower()
            else:
                decomposed = unicodedata.normalize("NFD", char)
                if decomposed[0].isascii() and decomposed[0].isalpha() and len(decomposed) > 1:
                    base = decomposed[0].lower()
            if base and char != base and char.islower() and _idna_valid(char):
                found.setdefault(base, set()).add(char)
    for base, chars in _LATIN_EXTRA.items():
        found.setdefault(base, set()).update(c for c in chars if _idna_valid(c))
    found["ae"] = {"æ"}
    found["oe"] = {"œ"}
    return {k: tuple(sorted(v)) for k, v in found.items()}


@cache
def _tr39_table() -> dict[str, list[dict[str, str]]]:
    data: dict[str, list[dict[str, str]]] = json.loads(_TR39.read_text(encoding="utf-8"))
    return data


@cache
def cyrillic_glyphs() -> dict[str, str]:
    """Latin small letter -> the Cyrillic small letter TR39 lists as its confusable."""
    table: dict[str, str] = {}
    for char, entries in _tr39_table().items():
        if len(char) != 1 or not ("a" <= char <= "z"):
            continue
        for entry in entries:
            other = entry["c"]
            if (
                len(other) == 1
                and entry["n"].startswith("CYRILLIC SMALL LETTER")
                and _idna_valid(other)
            ):
                table.setdefault(char, other)
    # letters TR39 does not pair but that read alike in domain fonts
    for latin, cyr in (("b", "ь"), ("g", "ԍ"), ("l", "ӏ"), ("t", "т"), ("m", "м"), ("k", "к")):
        table.setdefault(latin, cyr)
    return table


@cache
def _fold_table() -> dict[int, str]:
    """Non-ASCII code point -> ASCII prototype (TR39 confusables, lower-cased)."""
    table: dict[int, str] = {}
    for char, entries in _tr39_table().items():
        if len(char) != 1:
            continue
        if char.isascii():
            for entry in entries:
                other = entry["c"]
                if len(other) == 1 and not other.isascii():
                    table.setdefault(ord(other), char.lower())
        else:
            for entry in entries:
                other = entry["c"]
                if other.isascii() and len(other) <= 2:
                    table.setdefault(ord(char), other.lower())
                    break
    for base, chars in unicode_glyphs().items():
        for char in chars:
            table.setdefault(ord(char), base)
    for latin, cyr in cyrillic_glyphs().items():
        table[ord(cyr)] = latin
    return table


_ASCII_FOLD = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("lc", "k"), ("lh", "h"), ("0", "o"),
               ("1", "l"), ("i", "l"), ("q", "g"), ("v", "u"))  # fmt: skip


def skeleton(text: str) -> str:
    """A confusable skeleton folded to ASCII: two strings that look alike share it.

    NFKD, marks dropped, TR39 confusables mapped to their ASCII prototype,
    then the ASCII look-alikes (``rn``/``m``, ``vv``/``w``, ``cl``/``d``, ``lc``/``k``,
    ``lh``/``h``, ``0``/``o``, ``1``/``i``/``l``, ``q``/``g``, ``v``/``u``) merged.
    """
    if text.isascii():
        return ascii_skeleton(text.lower())
    lowered = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in lowered if not unicodedata.combining(c))
    return ascii_skeleton(stripped.translate(_fold_table()))


def ascii_skeleton(text: str) -> str:
    """The ASCII part of :func:`skeleton` (``text`` already lower case)."""
    for seq, rep in _ASCII_FOLD:
        text = text.replace(seq, rep)
    return text


_LOOSE = str.maketrans({"e": "c", "n": "m", "r": "m", "d": "b", "6": "9", "3": "8", "y": "u"})


def loose_skeleton(text: str) -> str:
    """:func:`skeleton` with weaker look-alikes merged too (``e``/``c``, ``n``/``m``/``nn``)."""
    return skeleton(text).replace("nn", "m").translate(_LOOSE)
