"""Lookalike domain generation for a brand's official domains.

Kinds (``Candidate.kind``):

- the permutation kinds of dnstwist: ``addition``, ``bitsquatting``, ``cyrillic``,
  ``homoglyph``, ``hyphenation``, ``insertion``, ``omission``, ``plural``,
  ``repetition``, ``replacement``, ``subdomain``, ``transposition``,
  ``vowel-swap``, ``various``, ``dictionary``, ``tld-swap``;
- the extra kinds of ail-typo-squatting: ``add-dash``, ``change-order``,
  ``common-misspelling``, ``double-replacement``, ``homophones``, ``missing-dot``, ``strip-dash``,
  ``change-dot-dash``, ``numeral-swap``, ``singular-pluralize``, ``wrong-sld``,
  ``add-tld``, ``add-dynamic-dns``, ``subdomain-www``;
- brand-aware kinds: ``romanisation`` (pinyin, Wade-Giles, Tongyong spellings
  of the Chinese name and the hand-kept aliases), ``combosquat`` (a brand term
  with Taiwanese finance keywords), ``tw-zone`` (the brand under every .tw
  second-level zone) and ``idn-homoglyph`` (accented look-alikes under TLDs
  whose registries accept Latin IDN, for brands whose own zone does not).

Domains are returned IDNA-encoded (``xn--``); invalid host names are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from brokerguard.phishing.brands import Brand
from brokerguard.phishing.domains import parse_host, to_ascii
from brokerguard.phishing.glyphs import ASCII_GLYPHS, KEYBOARDS, cyrillic_glyphs, unicode_glyphs
from brokerguard.phishing.keywords import (
    COMBO_SUFFIXES,
    COMMON_TLDS,
    DYNAMIC_DNS,
    FINANCE_KEYWORDS,
    HOMOPHONES,
    MISSPELLINGS,
    NO_LATIN_IDN,
    NUMERALS,
    TW_ZONES,
)

DNSTWIST_KINDS: tuple[str, ...] = (
    "addition", "bitsquatting", "cyrillic", "homoglyph", "hyphenation", "insertion",
    "omission", "plural", "repetition", "replacement", "subdomain", "transposition",
    "vowel-swap", "various", "dictionary", "tld-swap",
)  # fmt: skip
AIL_KINDS: tuple[str, ...] = (
    "add-dash", "change-order", "common-misspelling", "double-replacement", "homophones",
    "missing-dot",
    "strip-dash", "change-dot-dash", "numeral-swap", "singular-pluralize", "wrong-sld",
    "add-tld", "add-dynamic-dns", "subdomain-www",
)  # fmt: skip
BRAND_KINDS: tuple[str, ...] = ("romanisation", "combosquat", "tw-zone", "idn-homoglyph")
ALL_KINDS: tuple[str, ...] = DNSTWIST_KINDS + AIL_KINDS + BRAND_KINDS

_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"
_VOWELS = "aeiou"


@dataclass(frozen=True)
class Candidate:
    domain: str  # ASCII (xn--) form
    brand: str
    kind: str
    unicode: str

    def as_dict(self) -> dict[str, str]:
        data = {"domain": self.domain, "brand": self.brand, "kind": self.kind}
        if self.unicode != self.domain:
            data["unicode"] = self.unicode
        return data


# --- label-level permutations (the label is the registrable label, e.g. "yuanta") ---


def addition(label: str) -> set[str]:
    result = {label + c for c in _ALNUM}
    if "-" in label:
        parts = label.split("-")
        for p in range(1, len(parts)):
            head, tail = "-".join(parts[:p]), "-".join(parts[p:])
            result.update(f"{head}{c}-{tail}" for c in _ALNUM)
    return result


def bitsquatting(label: str) -> set[str]:
    result = set()
    for i, c in enumerate(label):
        for bit in range(8):
            flipped = chr(ord(c) ^ (1 << bit))
            if flipped in _LABEL_CHARS:
                result.add(label[:i] + flipped + label[i + 1 :])
    return result


def cyrillic(label: str) -> set[str]:
    table = cyrillic_glyphs()
    if all(c in table for c in label):
        return {"".join(table[c] for c in label)}
    return set()


def _glyph_table(suffix: str) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {k: set(v) for k, v in ASCII_GLYPHS.items()}
    if suffix not in NO_LATIN_IDN:
        for key, glyphs in unicode_glyphs().items():
            table.setdefault(key, set()).update(glyphs)
    return table


def _glyph_mix(label: str, table: dict[str, set[str]]) -> Iterator[str]:
    for i, c in enumerate(label):
        for g in table.get(c, ()):
            yield label[:i] + g + label[i + 1 :]
    for i in range(len(label) - 1):
        window = label[i : i + 2]
        for key in {window[0], window[1], window}:
            for g in table.get(key, ()):
                yield label[:i] + window.replace(key, g) + label[i + 2 :]


def homoglyph(label: str, suffix: str = "com") -> set[str]:
    """One and two look-alike substitutions (ASCII always, Unicode where the TLD allows)."""
    table = _glyph_table(suffix)
    first = set(_glyph_mix(label, table))
    second: set[str] = set()
    for item in first:
        second.update(_glyph_mix(item, table))
    return first | second


def hyphenation(label: str) -> set[str]:
    return {label[:i] + "-" + label[i:] for i in range(1, len(label))}


def insertion(label: str) -> set[str]:
    result = set()
    for i in range(len(label) - 1):
        head, c, tail = label[:i], label[i], label[i + 1 :]
        for keyboard in KEYBOARDS.values():
            for k in keyboard.get(c, ""):
                result.add(head + k + c + tail)
                result.add(head + c + k + tail)
    return result


def omission(label: str) -> set[str]:
    return {label[:i] + label[i + 1 :] for i in range(len(label))}


def repetition(label: str) -> set[str]:
    return {label[:i] + c + label[i:] for i, c in enumerate(label)}


def replacement(label: str) -> set[str]:
    result = set()
    for i, c in enumerate(label):
        for keyboard in KEYBOARDS.values():
            for k in keyboard.get(c, ""):
                result.add(label[:i] + k + label[i + 1 :])
    return result


def transposition(label: str) -> set[str]:
    return {label[:i] + label[i + 1] + label[i] + label[i + 2 :] for i in range(len(label) - 1)}


def vowel_swap(label: str) -> set[str]:
    return {
        label[:i] + v + label[i + 1 :] for i, c in enumerate(label) if c in _VOWELS for v in _VOWELS
    }


def plural(label: str) -> set[str]:
    return {
        label[: i + 1] + ("es" if label[i] in "sxz" else "s") + label[i + 1 :]
        for i in range(2, len(label) - 2)
    }


def subdomain_split(label: str) -> set[str]:
    """A dot inside the label: ``yuanta`` -> ``yu.anta``."""
    return {
        label[:i] + "." + label[i:]
        for i in range(1, len(label) - 1)
        if label[i] not in "-." and label[i - 1] not in "-."
    }


def dictionary(label: str, words: Sequence[str]) -> set[str]:
    result = set()
    for word in words:
        if not (label.startswith(word) and label.endswith(word)):
            result.update(
                {f"{label}-{word}", f"{label}{word}", f"{word}-{label}", f"{word}{label}"}
            )
    if "-" in label:
        parts = label.split("-")
        for word in words:
            result.add("-".join(parts[:-1]) + "-" + word)
            result.add(word + "-" + "-".join(parts[1:]))
    return result


def add_dash(label: str) -> set[str]:
    """Two dashes inside the label (one dash is ``hyphenation``)."""
    n = len(label)
    return {
        f"{label[:i]}-{label[i:j]}-{label[j:]}"
        for i in range(1, n - 1)
        for j in range(i + 1, n)
        if "-" not in label[i - 1 : i + 1] and "-" not in label[j - 1 : j + 1]
    }


def change_order(label: str) -> set[str]:
    """Two letters swapped that are not neighbours (transposition covers neighbours)."""
    result = set()
    chars = list(label)
    for i in range(len(chars)):
        for j in range(i + 2, len(chars)):
            if chars[i] != chars[j]:
                swapped = chars.copy()
                swapped[i], swapped[j] = swapped[j], swapped[i]
                result.add("".join(swapped))
    return result


def double_replacement(label: str) -> set[str]:
    result = set()
    for i in range(len(label) - 1):
        if label[i] == label[i + 1]:
            for keyboard in KEYBOARDS.values():
                for k in keyboard.get(label[i], ""):
                    result.add(label[:i] + k + k + label[i + 2 :])
    return result


def homophones(label: str) -> set[str]:
    result = set()
    for a, b in HOMOPHONES:
        for old, new in ((a, b), (b, a)):
            if old in label:
                result.add(label.replace(old, new, 1))
    return result


def common_misspelling(label: str) -> set[str]:
    return {label.replace(word, wrong, 1) for word, wrong in MISSPELLINGS if word in label}


def strip_dash(label: str) -> set[str]:
    return {label.replace("-", "")} if "-" in label else set()


def numeral_swap(label: str) -> set[str]:
    result = set()
    for word, digits in NUMERALS:
        if word in label:
            result.add(label.replace(word, digits))
        if digits in label:
            result.add(label.replace(digits, word))
    return result


def singular_pluralize(label: str) -> set[str]:
    if label.endswith("s") and len(label) > 3:
        return {label[:-1]}
    return {label + "s", label + "es"}


LABEL_KINDS: dict[str, Callable[[str], set[str]]] = {
    # specific kinds first: a domain is reported under the first kind that makes it
    "common-misspelling": common_misspelling,
    "homophones": homophones,
    "numeral-swap": numeral_swap,
    "double-replacement": double_replacement,
    "strip-dash": strip_dash,
    "addition": addition,
    "bitsquatting": bitsquatting,
    "cyrillic": cyrillic,
    "hyphenation": hyphenation,
    "insertion": insertion,
    "omission": omission,
    "plural": plural,
    "repetition": repetition,
    "replacement": replacement,
    "subdomain": subdomain_split,
    "transposition": transposition,
    "vowel-swap": vowel_swap,
    "add-dash": add_dash,
    "change-order": change_order,
    "singular-pluralize": singular_pluralize,
}


class Generator:
    """Lookalikes of one brand's official domains."""

    def __init__(
        self,
        brand: Brand,
        *,
        keywords: Sequence[str] = FINANCE_KEYWORDS,
        tlds: Sequence[str] = COMMON_TLDS,
        kinds: Iterable[str] | None = None,
    ) -> None:
        self.brand = brand
        self.keywords = tuple(keywords)
        self.tlds = tuple(tlds)
        self.kinds = frozenset(kinds) if kinds is not None else frozenset(ALL_KINDS)
        self._seen: set[str] = set()

    def _emit(self, host: str, kind: str) -> Candidate | None:
        ascii_host = to_ascii(host)
        if ascii_host is None or ascii_host in self._seen or self.brand.is_official(ascii_host):
            return None
        if len(ascii_host) < 4 or any(len(p) > 63 or not p for p in ascii_host.split(".")):
            return None
        self._seen.add(ascii_host)
        return Candidate(ascii_host, self.brand.key, kind, host)

    def candidates(self) -> Iterator[Candidate]:
        for domain in self.brand.domains:
            yield from self._for_domain(domain)
        yield from self._brand_terms()

    def _for_domain(self, domain: str) -> Iterator[Candidate]:
        host = parse_host(domain)
        sub, label, suffix = host.subdomain, host.label, host.suffix
        prefix = f"{sub}." if sub else ""

        def at(new_label: str, new_suffix: str = suffix) -> str:
            return f"{prefix}{new_label}.{new_suffix}"

        emit = self._emit
        for kind, function in LABEL_KINDS.items():
            if kind in self.kinds:
                for variant in sorted(function(label)):
                    if (c := emit(at(variant), kind)) is not None:
                        yield c
        if "homoglyph" in self.kinds:
            for variant in sorted(homoglyph(label, suffix)):
                if (c := emit(at(variant), "homoglyph")) is not None:
                    yield c
        if "dictionary" in self.kinds:
            for variant in sorted(dictionary(label, self.keywords)):
                if (c := emit(at(variant), "dictionary")) is not None:
                    yield c
        if "tld-swap" in self.kinds:
            for tld in self.tlds:
                if tld != suffix and (c := emit(at(label, tld), "tld-swap")) is not None:
                    yield c
        if "various" in self.kinds:
            yield from self._various(sub, label, suffix)
        yield from self._ail_domain_kinds(sub, label, suffix)
        if "tw-zone" in self.kinds:
            for zone in TW_ZONES:
                if (c := emit(at(label, zone), "tw-zone")) is not None:
                    yield c
        if "idn-homoglyph" in self.kinds and suffix in NO_LATIN_IDN:
            table = _glyph_table("com")
            singles = {v for v in _glyph_mix(label, table) if not v.isascii()}
            for variant in sorted(singles):
                for tld in ("com", "net", "org", "info", "co"):
                    if (c := emit(at(variant, tld), "idn-homoglyph")) is not None:
                        yield c

    def _various(self, sub: str, label: str, suffix: str) -> Iterator[Candidate]:
        forms: list[str] = []
        pre = [sub] if sub else []
        if "." in suffix:
            forms.append(".".join([*pre, label, suffix.split(".")[-1]]))
            forms.append(".".join([*pre, label + suffix]))
        else:
            forms.append(".".join([*pre, label + suffix, suffix]))
            if suffix != "com":
                forms.append(".".join([*pre, f"{label}-{suffix}", "com"]))
                forms.append(".".join([*pre, label + suffix, "com"]))
        if sub:
            forms.append(f"{sub}{label}.{suffix}")
            forms.append(f"{sub.replace('.', '')}{label}.{suffix}")
            forms.append(f"{sub}-{label}.{suffix}")
            forms.append(f"{sub.replace('.', '-')}-{label}.{suffix}")
        for form in forms:
            if (c := self._emit(form, "various")) is not None:
                yield c

    def _ail_domain_kinds(self, sub: str, label: str, suffix: str) -> Iterator[Candidate]:
        emit, kinds = self._emit, self.kinds
        prefix = f"{sub}." if sub else ""
        dotted = f"{label}.{suffix}"
        if "missing-dot" in kinds:
            for form in (f"www{dotted}", f"{prefix}{label}{suffix.replace('.', '')}.com"):
                if (c := emit(form, "missing-dot")) is not None:
                    yield c
        if "subdomain-www" in kinds:
            for form in (f"www-{dotted}", f"ww.{dotted}", f"wwww.{dotted}", f"www.{dotted}.com"):
                if (c := emit(form, "subdomain-www")) is not None:
                    yield c
        if "change-dot-dash" in kinds:
            forms = [f"{prefix}{label}-{suffix.replace('.', '-')}.{t}" for t in ("com", "net")]
            if "." in suffix:
                head, tail = suffix.split(".", 1)
                forms.append(f"{prefix}{label}-{head}.{tail}")
            for form in forms:
                if (c := emit(form, "change-dot-dash")) is not None:
                    yield c
        if "wrong-sld" in kinds and "." in suffix:
            tail = suffix.split(".", 1)[1]
            for sld in ("com", "net", "org", "co", "idv", "gov", "edu"):
                if (c := emit(f"{prefix}{label}.{sld}.{tail}", "wrong-sld")) is not None:
                    yield c
        if "add-tld" in kinds:
            for tld in ("com", "net", "cc", "top", "xyz", "vip", "info"):
                if (c := emit(f"{prefix}{dotted}.{tld}", "add-tld")) is not None:
                    yield c
        if "add-dynamic-dns" in kinds:
            for zone in DYNAMIC_DNS:
                for form in (f"{label}.{zone}", f"{label}-{suffix.replace('.', '-')}.{zone}"):
                    if (c := emit(form, "add-dynamic-dns")) is not None:
                        yield c

    def _brand_terms(self) -> Iterator[Candidate]:
        emit, kinds = self._emit, self.kinds
        suffixes = tuple(dict.fromkeys([*(parse_host(d).suffix for d in self.brand.domains),
                                        *COMBO_SUFFIXES]))  # fmt: skip
        terms = list(self.brand.terms)
        if "romanisation" in kinds:
            for term in terms:
                if term.origin in ("domain",):
                    continue
                for suffix in suffixes:
                    if (c := emit(f"{term.text}.{suffix}", "romanisation")) is not None:
                        yield c
        if "combosquat" in kinds:
            for term in terms:
                if not term.strong and term.origin == "abbreviation":
                    continue
                for word in self.keywords:
                    for form in (f"{term.text}-{word}", f"{term.text}{word}",
                                 f"{word}-{term.text}", f"{word}{term.text}"):  # fmt: skip
                        for suffix in suffixes:
                            if (c := emit(f"{form}.{suffix}", "combosquat")) is not None:
                                yield c


def generate(brands: Iterable[Brand], kinds: Iterable[str] | None = None) -> Iterator[Candidate]:
    """Every lookalike of every brand (each domain once per brand, first kind wins)."""
    wanted = list(kinds) if kinds is not None else None
    for brand in brands:
        yield from Generator(brand, kinds=wanted).candidates()
