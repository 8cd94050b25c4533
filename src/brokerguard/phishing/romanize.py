"""Romanisations of a Chinese brand name: Hanyu pinyin, Wade-Giles and Tongyong pinyin.

Taiwanese brokers' English names follow none of the systems consistently
(元大 is "Yuanta": Wade-Giles *yüan-ta*; 凱基 is "KGI"), so the brand registry
also keeps hand-written aliases; these functions give the systematic spellings
a phisher may try (``yuanda``, ``yuan-ta``, ``kaichi``, ``kaiji``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: company-form suffixes dropped before romanising (longest first)
CORPORATE_SUFFIXES = (
    "綜合證券股份有限公司",
    "證券股份有限公司",
    "證券投資信託",
    "股份有限公司",
    "綜合證券",
    "金融控股",
    "國際證券",
    "證券",
    "金控",
    "期貨",
    "投信",
)

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def core_name(name_zh: str) -> str:
    """The distinctive part of a firm name: 元大證券股份有限公司 -> 元大."""
    name = name_zh.strip()
    changed = True
    while changed:
        changed = False
        for suffix in CORPORATE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return "".join(_HAN.findall(name))


def _syllables(name: str, style: str = "NORMAL") -> list[str]:
    """pypinyin's syllables of ``name`` in the ``Style`` named; the library (~1 s to load
    its dictionaries) is imported on first use, so commands that never romanise do not
    pay for it."""
    from pypinyin import Style, lazy_pinyin

    syllables: list[str] = lazy_pinyin(name, style=Style.__members__[style], errors="ignore")
    return syllables


def hanyu_pinyin(name: str) -> list[str]:
    return [_ascii_syllable(s) for s in _syllables(name)]


def wade_giles(name: str) -> list[str]:
    return [_ascii_syllable(s) for s in _syllables(name, "WADEGILES")]


def _ascii_syllable(syllable: str) -> str:
    return syllable.replace("'", "").replace("’", "").replace("ü", "u").replace("v", "u").lower()


_TONGYONG_INITIALS = (("zh", "jh"), ("q", "c"), ("x", "s"))
_TONGYONG_WHOLE = {
    "zhi": "jhih",
    "chi": "chih",
    "shi": "shih",
    "ri": "rih",
    "zi": "zih",
    "ci": "cih",
    "si": "sih",
    "yu": "yu",
    "wen": "wun",
    "weng": "wong",
}


def _tongyong_syllable(pinyin: str) -> str:
    if pinyin in _TONGYONG_WHOLE:
        return _TONGYONG_WHOLE[pinyin]
    syllable = pinyin
    # ü after j/q/x/y is written u in pinyin and yu in Tongyong
    if syllable[:1] in ("j", "q", "x") and syllable[1:2] == "u":
        syllable = syllable[0] + "yu" + syllable[2:]
    for old, new in _TONGYONG_INITIALS:
        if syllable.startswith(old):
            syllable = new + syllable[len(old) :]
            break
    if syllable.endswith("eng") and syllable[:1] in ("f", "m", "b", "p", "w"):
        syllable = syllable[:-3] + "ong"
    if syllable.endswith("iu"):
        syllable = syllable[:-2] + "iou"
    elif syllable.endswith("ui"):
        syllable = syllable[:-2] + "uei"
    elif syllable.endswith("un") and syllable[:1] not in ("y",):
        syllable = syllable[:-2] + "un"
    return syllable


def tongyong(name: str) -> list[str]:
    return [_tongyong_syllable(s) for s in _syllables(name)]


@dataclass(frozen=True)
class Romanisation:
    system: str  # "pinyin" | "wade-giles" | "tongyong"
    syllables: tuple[str, ...]

    def spellings(self) -> list[str]:
        """Joined (``yuanda``), hyphenated (``yuan-da``) and initials (``yd``) spellings."""
        parts = [s for s in self.syllables if s]
        if not parts:
            return []
        joined = "".join(parts)
        forms = [joined, "-".join(parts)] if len(parts) > 1 else [joined]
        return [f for f in dict.fromkeys(forms) if re.fullmatch(r"[a-z0-9-]+", f)]


def romanise(name_zh: str) -> list[Romanisation]:
    """Every systematic romanisation of the distinctive part of ``name_zh``."""
    core = core_name(name_zh)
    if not core:
        return []
    return [
        Romanisation("pinyin", tuple(hanyu_pinyin(core))),
        Romanisation("wade-giles", tuple(wade_giles(core))),
        Romanisation("tongyong", tuple(tongyong(core))),
    ]
