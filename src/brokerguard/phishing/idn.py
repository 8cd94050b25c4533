"""Which scripts a domain label mixes, and which of its characters are the odd ones out.

A label that mixes Latin with Cyrillic, Greek or another alphabet (``yuаnta`` with
a Cyrillic ``а``) is the IDN homograph attack itself, so it is *flagged*, never
refused (Unicode TR39 "highly restrictive" profile: Latin may be mixed only with
the CJK scripts). A label written entirely in another alphabet whose every letter
has a Latin look-alike (``уаһоо``) is a whole-script confusable.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from brokerguard.phishing.glyphs import skeleton

_SCRIPT_FREE = frozenset({"COMMON", "DIGIT", "HYPHEN-MINUS"})
#: scripts TR39 "highly restrictive" lets Latin mix with (CJK for zh/ja/ko)
CJK_SCRIPTS = frozenset({"CJK", "BOPOMOFO", "HIRAGANA", "KATAKANA", "HANGUL"})


def script_of(char: str) -> str:
    """The Unicode script of one character, from its character name (``CYRILLIC``)."""
    if char.isascii():
        return "LATIN" if char.isalpha() else "COMMON"
    name = unicodedata.name(char, "UNKNOWN")
    first = name.split(" ", 1)[0]
    if first in ("CJK", "IDEOGRAPHIC"):
        return "CJK"
    if first in ("COMBINING", "ZERO", "MODIFIER"):
        return "COMMON"
    if first == "FULLWIDTH":
        return "LATIN"
    if unicodedata.category(char) == "Nd":
        return "DIGIT"
    return first


#: script names as a Taiwanese reader knows them
SCRIPT_ZH = {
    "LATIN": "拉丁", "CYRILLIC": "西里爾", "GREEK": "希臘", "ARMENIAN": "亞美尼亞",
    "CHEROKEE": "切羅基", "GEORGIAN": "喬治亞", "HEBREW": "希伯來", "ARABIC": "阿拉伯",
}  # fmt: skip


def _zh(script: str) -> str:
    return SCRIPT_ZH.get(script, script.title())


@dataclass(frozen=True)
class OddCharacter:
    char: str
    script: str

    def describe(self) -> str:
        name = unicodedata.name(self.char, "UNKNOWN")
        return f"{self.char!r} U+{ord(self.char):04X} {name}"


@dataclass(frozen=True)
class ScriptMix:
    """What makes a label a homograph: its scripts and the characters out of place."""

    label: str
    scripts: tuple[str, ...]
    odd: tuple[OddCharacter, ...]
    whole_script: bool  # one non-Latin script, every letter a Latin look-alike

    @property
    def cyrillic(self) -> bool:
        return "CYRILLIC" in self.scripts

    def describe_en(self) -> str:
        chars = ", ".join(c.describe() for c in self.odd[:8])
        if self.whole_script:
            return (
                f"the label {self.label!r} is written wholly in {self.scripts[0].title()} "
                f"letters that look Latin ({chars})"
            )
        scripts = "+".join(s.title() for s in self.scripts)
        return f"the label {self.label!r} mixes scripts ({scripts}): {chars}"

    def describe_zh(self) -> str:
        chars = "、".join(c.describe() for c in self.odd[:8])
        if self.whole_script:
            return (
                f"網域標籤「{self.label}」全以外觀近似拉丁字母的{_zh(self.scripts[0])}字母書寫"
                f"（{chars}）"
            )
        return (
            f"網域標籤「{self.label}」混用多種文字（{'+'.join(_zh(s) for s in self.scripts)}）："
            f"{chars}"
        )


def mixed_scripts(label: str) -> tuple[str, ...]:
    """The scripts of a label when they may not be mixed (e.g. Latin with Cyrillic)."""
    scripts = {script_of(c) for c in label} - _SCRIPT_FREE
    if len(scripts - CJK_SCRIPTS) > 1:
        return tuple(sorted(scripts))
    return ()


def script_mix(label: str) -> ScriptMix | None:
    """The homograph evidence of one Unicode label, or None for a single-script label."""
    if label.isascii():
        return None
    letters = [(c, script_of(c)) for c in label]
    letters = [(c, s) for c, s in letters if s not in _SCRIPT_FREE]
    scripts = mixed_scripts(label)
    if scripts:
        counts = Counter(s for _, s in letters if s not in CJK_SCRIPTS)
        # the majority script is the label's own; Latin wins a tie (the attack's target)
        home = max(counts, key=lambda s: (counts[s], s == "LATIN"))
        odd = tuple(
            dict.fromkeys(
                OddCharacter(c, s) for c, s in letters if s != home and s not in CJK_SCRIPTS
            )
        )
        return ScriptMix(label, scripts, odd, whole_script=False)
    own = {s for _, s in letters}
    if len(own) == 1 and not own & (CJK_SCRIPTS | {"LATIN"}):
        folded = skeleton(label)
        if folded.isascii() and any(c.isalpha() for c in folded):
            script = own.pop()
            odd = tuple(dict.fromkeys(OddCharacter(c, script) for c, _ in letters))
            return ScriptMix(label, (script,), odd, whole_script=True)
    return None
