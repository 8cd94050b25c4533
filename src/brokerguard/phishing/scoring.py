"""Does an observed domain imitate one of the firm's brands, and why?

For each brand term (official label, alias, romanisation) the scorer looks for:

- the term itself under another suffix (``tld-swap``, ``tw-zone``, ``romanisation``);
- the same TR39 confusable skeleton (``homoglyph``, ``cyrillic``);
- a small edit distance between skeletons (rapidfuzz OSA), classified into the
  dnstwist kind that explains it (omission, transposition, bitsquatting ...);
- the term inside a longer label, with or without finance keywords (``combosquat``);
- the term or an official domain in the sub-domain part (``subdomain-brand``).

Short terms (fewer than five letters, e.g. ``kgi``) and ordinary English words
(``capital``: decided by the ``wordfreq`` frequency list, never a hand list of
brand names) need corroboration (a .tw zone, the brand's own suffix or a
finance keyword) so that the million most visited sites are not flagged.

:class:`Scorer` scores one host; :meth:`Scorer.scan` scores many lines with a
vectorised pre-filter (rapidfuzz ``cdist``) so only near matches reach the
full scoring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from brokerguard.phishing.brands import Brand, Term
from brokerguard.phishing.chinese import CJK_KEYWORDS, CJK_STRONG_KEYWORDS, split_keywords
from brokerguard.phishing.domains import Host, HostError, extractor, parse_host
from brokerguard.phishing.glyphs import (
    ASCII_GLYPHS,
    KEYBOARDS,
    ascii_skeleton,
    loose_skeleton,
    skeleton,
)
from brokerguard.phishing.idn import ScriptMix, script_mix
from brokerguard.phishing.keywords import (
    DYNAMIC_DNS,
    FINANCE_KEYWORDS,
    NUMERALS,
    PHISHING_PRONE_SUFFIXES,
    STRONG_KEYWORDS,
    TW_ZONES,
    ordinary_word,
)
from brokerguard.phishing.prefilter import FEW_LABELS, Lines, candidates, near_tokens, not_plain

FLAG_THRESHOLD = 0.6
#: a label mixing alphabets (Latin with Cyrillic, Greek ...) is flagged on that alone
MIXED_SCRIPT_SCORE = 0.7
_KEYWORDS = (
    frozenset(FINANCE_KEYWORDS)
    | frozenset(CJK_KEYWORDS)
    | {"www", "com", "net", "org", "comtw", "nettw", "m", "my"}
)
_STRONG_KEYWORDS = STRONG_KEYWORDS | CJK_STRONG_KEYWORDS
_VOWELS = frozenset("aeiou")
_TW_SUFFIXES = frozenset(TW_ZONES)
_GENERIC_TLDS = frozenset({"com", "net", "org", "info", "biz", "co"})


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass
class Verdict:
    input: str
    domain: str
    unicode: str
    flagged: bool
    brand: str | None
    score: float
    kind: str | None
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "input": self.input,
            "domain": self.domain,
            "flagged": self.flagged,
            "brand": self.brand,
            "score": round(self.score, 3),
            "kind": self.kind,
            "reasons": [r.as_dict() for r in self.reasons],
        }
        if self.unicode != self.domain:
            data["unicode"] = self.unicode
        return data


@dataclass(frozen=True)
class _Match:
    score: float
    kind: str
    reason: Reason


def _keyboard_near(a: str, b: str) -> bool:
    return any(b in board.get(a, "") for board in KEYBOARDS.values())


def classify_edit(observed: str, target: str) -> str:
    """The dnstwist permutation kind that turns ``target`` into ``observed`` (one edit)."""
    lo, lt = len(observed), len(target)
    if lo == lt:
        diffs = [i for i in range(lo) if observed[i] != target[i]]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i = diffs[0]
            if observed[i] == target[i + 1] and observed[i + 1] == target[i]:
                return "transposition"
        if len(diffs) == 1:
            a, b = target[diffs[0]], observed[diffs[0]]
            if b in ASCII_GLYPHS.get(a, ()):
                return "homoglyph"
            if a in _VOWELS and b in _VOWELS:
                return "vowel-swap"
            if _keyboard_near(a, b):
                return "replacement"
            if bin(ord(a) ^ ord(b)).count("1") == 1:
                return "bitsquatting"
            return "replacement"
        return "change-order"
    if lo == lt + 1:
        for i in range(lo):
            if observed[:i] + observed[i + 1 :] == target:
                c = observed[i]
                if c == "-":
                    return "hyphenation"
                if i == lo - 1:
                    return "addition"
                if (i > 0 and observed[i - 1] == c) or (i + 1 < lo and observed[i + 1] == c):
                    return "repetition"
                return "insertion"
        return "insertion"
    if lo + 1 == lt:
        return "omission"
    return "edit-distance"


@dataclass(frozen=True)
class _TermInfo:
    brand: Brand
    term: Term
    skeleton: str
    loose: str
    weak: bool  # needs corroboration

    stripped: str = ""
    ordered: str = ""
    has_digit: bool = False

    @classmethod
    def of(cls, brand: Brand, term: Term, weak: bool) -> _TermInfo:
        shape = skeleton(term.text)
        return cls(
            brand,
            term,
            shape,
            loose_skeleton(term.text),
            weak,
            shape.replace("-", ""),
            "".join(sorted(shape)),
            any(c.isdigit() for c in shape),
        )


class Scorer:
    """Scores observed hosts against a set of brands."""

    def __init__(self, brands: Sequence[Brand], *, threshold: float = FLAG_THRESHOLD) -> None:
        if not brands:
            raise ValueError("a scorer needs at least one brand")
        self.brands = tuple(brands)
        self.threshold = threshold
        infos: list[_TermInfo] = []
        for brand in self.brands:
            for term in brand.terms:
                weak = not term.strong or ordinary_word(term.text)
                infos.append(_TermInfo.of(brand, term, weak))
        self._terms = tuple(infos)
        self._stripped = [t.stripped for t in infos]
        self._skeletons = sorted({t.skeleton for t in infos if len(t.skeleton) >= 4})
        # the pre-filter sees plain ASCII hosts only: every non-ASCII letter of a
        # skeleton costs an edit, so one with three or more is never two edits away
        self._ascii_skeletons = [s for s in self._skeletons if sum(not c.isascii() for c in s) <= 2]
        self._short_skeletons = frozenset(t.skeleton for t in infos if len(t.skeleton) < 4)
        self._official = {d: b for b in self.brands for d in b.domains}
        texts = {t.term.text for t in infos}
        self._contains_re = re.compile(trie_pattern(texts))
        # no term spans a dot: a host contains a term iff one of its labels does
        self._terms_in_labels = not any("." in t or "\n" in t for t in texts)
        self._overlapping_re = re.compile(f"(?=({trie_pattern(texts)}))")
        self._suffixes = _suffix_set()
        # lookup tables: which terms a host may match, without looping over every term
        self._by_text: dict[str, list[int]] = {}
        self._by_loose: dict[str, list[int]] = {}
        self._by_ordered: dict[str, list[int]] = {}
        for i, info in enumerate(infos):
            self._by_text.setdefault(info.term.text, []).append(i)
            self._by_loose.setdefault(info.loose, []).append(i)
            self._by_ordered.setdefault(info.ordered, []).append(i)
        self._inside: dict[str, list[int]] = {
            text: [i for i, info in enumerate(infos) if info.term.text in text] for text in texts
        }
        self._with_digits = [i for i, info in enumerate(infos) if info.has_digit]

    # --- one host -------------------------------------------------------------------

    def check(self, text: str) -> Verdict:
        """Parse and score; raises :class:`HostError` when ``text`` is not a usable host."""
        return self.score_host(parse_host(text), text)

    def official_brand(self, host: Host) -> Brand | None:
        parts = host.ascii.split(".")
        for i in range(len(parts) - 1):
            brand = self._official.get(".".join(parts[i:]))
            if brand is not None:
                return brand
        return None

    def score_host(self, host: Host, text: str | None = None) -> Verdict:
        source = host.ascii if text is None else text
        official = self.official_brand(host)
        if official is not None:
            reason = Reason(
                "official",
                f"{official.spec.name_zh}的官方網域",
                f"an official domain of {official.spec.name_en}",
            )
            return Verdict(source, host.ascii, host.unicode, False, official.key, 0.0,
                           "official", [reason])  # fmt: skip
        best: dict[str, list[_Match]] = {}
        label = host.label_unicode
        shapes = (skeleton(label), loose_skeleton(label))
        for info in self._candidate_terms(host, shapes):
            match = self._match(host, info, shapes)
            if match is not None:
                best.setdefault(info.brand.key, []).append(match)
        mix = host_script_mix(host)
        if not best:
            if mix is not None and not mix.whole_script:
                # a label mixing alphabets is a homograph whatever it imitates
                kind = "cyrillic" if mix.cyrillic else "homoglyph"
                return Verdict(source, host.ascii, host.unicode, True, None,
                               MIXED_SCRIPT_SCORE, kind, [_mix_reason(mix)])  # fmt: skip
            return Verdict(source, host.ascii, host.unicode, False, None, 0.0, None, [])
        key, matches = max(best.items(), key=lambda kv: max(m.score for m in kv[1]))
        matches.sort(key=lambda m: m.score, reverse=True)
        top = matches[0]
        score = min(1.0, top.score + 0.05 * (len({m.kind for m in matches}) - 1))
        reasons = list(dict.fromkeys(m.reason for m in matches))[:4]
        kind = top.kind
        if mix is not None:
            reasons.insert(0, _mix_reason(mix))
            if not mix.whole_script:
                score = max(score, MIXED_SCRIPT_SCORE)
            kind = "cyrillic" if mix.cyrillic else "homoglyph"
        return Verdict(source, host.ascii, host.unicode, score >= self.threshold, key,
                       score, kind, reasons)  # fmt: skip

    def _candidate_terms(self, host: Host, shapes: tuple[str, str]) -> list[_TermInfo]:
        """The terms worth a full match: near in edit distance, same shape, or contained."""
        sk, loose = shapes
        stripped = sk.replace("-", "")
        distances = process.cdist(
            [stripped], self._stripped, scorer=OSA.distance, score_cutoff=2, dtype=np.int8
        )[0]
        wanted = {int(i) for i in np.nonzero(distances <= 2)[0]}
        wanted.update(self._by_loose.get(loose, ()))
        wanted.update(self._by_ordered.get("".join(sorted(sk)), ()))
        wanted.update(self._by_text.get((host.subdomain + host.label).replace(".", ""), ()))
        wanted.update(self._with_digits)
        for text in {host.ascii, host.unicode}:
            for match in self._overlapping_re.finditer(text):
                wanted.update(self._inside[match.group(1)])
        return [self._terms[i] for i in sorted(wanted)]

    def _corroboration(self, host: Host, info: _TermInfo, rest: str = "") -> str | None:
        """Why a weak match still counts: a .tw zone, a free hosting zone or finance keywords."""
        suffix = host.suffix
        if suffix == "tw" or suffix.endswith(".tw") or suffix in _TW_SUFFIXES:
            return "tw"
        if suffix in DYNAMIC_DNS:
            return "hosting"
        if suffix in info.brand.suffixes and suffix not in _GENERIC_TLDS:
            return "suffix"
        pieces = [p for p in re.split(r"[-.0-9]+", f"{rest}.{host.subdomain}") if p]
        if any(w in _KEYWORDS for p in pieces for w in split_keywords(p, _KEYWORDS)):
            return "keyword"
        return None

    def _own_suffix(self, host: Host, info: _TermInfo) -> bool:
        return host.suffix in info.brand.suffixes

    def _match(self, host: Host, info: _TermInfo, shapes: tuple[str, str]) -> _Match | None:
        term = info.term.text
        brand = info.brand
        label = host.label_unicode
        names = (brand.spec.name_zh, brand.spec.name_en)
        romanised = info.term.origin in ("pinyin", "wade-giles", "tongyong")
        n = len(info.skeleton.replace("-", ""))
        if label == term:
            kind = (
                ("tw-zone" if host.suffix in _TW_SUFFIXES else "tld-swap")
                if info.term.origin == "domain"
                else "chinese-name"
                if info.term.origin == "chinese"
                else "romanisation"
            )
            if host.suffix in DYNAMIC_DNS:
                kind = "add-dynamic-dns"
            how = _ORIGIN_TEXT[info.term.origin]
            if not info.weak or self._corroboration(host, info) is not None:
                score = 0.9
            elif host.suffix in PHISHING_PRONE_SUFFIXES or not _is_word(term):
                score = 0.65
            else:
                return None
            return _Match(
                score,
                kind,
                Reason(
                    kind,
                    f"網域名稱「{label}」即{names[0]}的{how[0]}，但不在官方網域之下",
                    f"the label {label!r} is {names[1]}'s {how[1]} under a non-official suffix",
                ),
            )
        sk, loose = shapes
        if sk == info.skeleton or (n >= 4 and loose == info.loose):
            kind = "cyrillic" if any("\u0400" <= c <= "\u04ff" for c in label) else "homoglyph"
            return _Match(
                0.95,
                kind,
                Reason(
                    kind,
                    f"「{host.unicode}」與{names[0]}的「{term}」字形相似（Unicode 易混淆字元）",
                    f"{host.unicode!r} looks like {names[1]}'s {term!r} (confusable characters)",
                ),
            )
        fuzzy = self._fuzzy(host, info, label, sk, romanised, n)
        if fuzzy is not None:
            return fuzzy
        joined = (host.subdomain + label).replace(".", "")
        if host.subdomain and joined == term and n >= 4:
            return _Match(
                0.8,
                "subdomain",
                Reason(
                    "subdomain",
                    f"「{host.unicode}」以點拆開{names[0]}的「{term}」",
                    f"{host.unicode!r} splits {names[1]}'s {term!r} with a dot",
                ),
            )
        if term in label:
            match = self._contains(host, info, label, romanised, names)
            if match is not None:
                return match
        if host.subdomain:
            return self._in_subdomain(host, info, names)
        return None

    def _fuzzy(
        self, host: Host, info: _TermInfo, label: str, sk: str, romanised: bool, n: int
    ) -> _Match | None:
        if n < 4 or abs(len(sk) - len(info.skeleton)) > 2:
            return None
        mine, theirs = sk.replace("-", ""), info.skeleton.replace("-", "")
        if any(c.isdigit() for c in theirs):
            mine = _digits(mine)
        distance = OSA.distance(mine, theirs, score_cutoff=2)
        distance = max(distance, 1)  # labels that differ only by dashes are one edit apart
        anagram = (
            distance > 1 and n >= 5 and sorted(sk) == sorted(info.skeleton) and sk != info.skeleton
        )
        if distance > 2 and not anagram:
            return None
        why = self._corroboration(host, info)
        if anagram:
            allowed = why is not None or self._own_suffix(host, info)
        elif distance == 1:
            if romanised or info.weak or n < 5:
                allowed = why is not None
            elif n < 7:
                allowed = why is not None or self._own_suffix(host, info)
            else:
                allowed = True
        else:
            allowed = (n >= 12 and not romanised) or (n >= 7 and why is not None)
        if not allowed:
            return None
        term = info.term.text
        if anagram:
            kind = "change-order"
        elif label.isascii():
            kind = classify_edit(label, term)
        else:
            kind = "idn-homoglyph"
        names = (info.brand.spec.name_zh, info.brand.spec.name_en)
        shown = "anagram" if anagram else f"{distance} edit(s)"
        return _Match(
            0.8 if distance == 1 else 0.7,
            kind,
            Reason(
                "typo",
                f"「{label}」與{names[0]}的「{term}」僅差"
                + ("字母順序" if anagram else f" {distance} 個字元")
                + f"（{kind}）",
                f"{label!r} is {shown} from {names[1]}'s {term!r} ({kind})",
            ),
        )

    def _contains(
        self, host: Host, info: _TermInfo, label: str, romanised: bool, names: tuple[str, str]
    ) -> _Match | None:
        term = info.term.text
        rest = label.replace(term, " ", 1)
        pieces = _pieces(rest)
        keywords = [p for p in pieces if p in _KEYWORDS]
        all_keywords = bool(pieces) and len(keywords) == len(pieces)
        boundary = label.startswith(term) or label.endswith(term) or f"-{term}" in label
        strong_words = [p for p in keywords if p in _STRONG_KEYWORDS]
        if all_keywords and (
            not info.weak
            or strong_words
            or self._corroboration(host, info)
            or self._own_suffix(host, info)
        ):
            score = 0.85
        elif info.weak or romanised:
            if not keywords or self._corroboration(host, info, rest) is None:
                return None
            score = 0.65
        elif keywords:
            score = 0.8
        elif boundary:
            score = 0.62
        else:
            return None
        return _Match(
            score,
            "combosquat",
            Reason(
                "combosquat",
                f"「{label}」含{names[0]}的「{term}」"
                + (f"及金融關鍵字 {', '.join(keywords)}" if keywords else ""),
                f"{label!r} contains {names[1]}'s {term!r}"
                + (f" with finance keywords {', '.join(keywords)}" if keywords else ""),
            ),
        )

    def _in_subdomain(self, host: Host, info: _TermInfo, names: tuple[str, str]) -> _Match | None:
        for domain in info.brand.domains:
            if f"{domain}." in host.ascii or f"{domain}-" in host.ascii:
                return _Match(
                    0.9,
                    "subdomain-brand",
                    Reason(
                        "subdomain-brand",
                        f"子網域中出現官方網域 {domain}（{host.unicode}）",
                        f"the official domain {domain} appears as a sub-domain of {host.unicode}",
                    ),
                )
        term = info.term.text
        tokens = set(re.split(r"[-.]+", host.subdomain))
        if term in tokens and (
            (not info.weak and info.term.origin in ("domain", "alias"))
            or self._corroboration(host, info, host.label) is not None
        ):
            return _Match(
                0.65,
                "subdomain-brand",
                Reason(
                    "subdomain-brand",
                    f"子網域使用{names[0]}的「{term}」",
                    f"the sub-domain uses {names[1]}'s {term!r}",
                ),
            )
        return None

    # --- many hosts --------------------------------------------------------------------

    def prefilter(self, hosts: Sequence[str]) -> list[int]:
        """Indexes of the plain ASCII ``hosts`` that may match a brand (cheap, batched).

        A host passes when a brand term occurs in it, its registrable label is near
        a brand skeleton, or it has no known suffix (:mod:`brokerguard.phishing.prefilter`
        asks each question once for the whole batch).
        """
        lines = Lines(hosts)
        if not lines.joinable:
            return self._prefilter_each(hosts)
        return self._prefilter_lines(lines)

    def _prefilter_lines(self, lines: Lines) -> list[int]:
        hosts = lines.items
        tokens = lines.tokens()
        wanted = self._containing(lines, tokens)
        near = near_tokens(tokens, self._ascii_skeletons, self._short_skeletons)
        suspects = candidates(lines, near, self._suffixes)
        for i in range(len(hosts)) if suspects is None else suspects:
            label = _fast_label(hosts[i], self._suffixes)
            if not label or label in near:  # no known suffix: the full parser says why
                wanted.add(i)
        return sorted(wanted)

    def _containing(self, lines: Lines, tokens: set[str]) -> set[int]:
        """Indexes of the ``lines`` in which a brand term occurs.

        A batch has far fewer distinct labels than characters (a certificate's
        names share their domain), so the terms are searched in the labels and
        only the lines holding one of the few labels that contain one are looked
        for; when many labels do (a batch of lookalikes), the lines are searched.
        """
        if not self._terms_in_labels:
            return lines.matching(self._contains_re)
        labels = Lines(list(tokens))  # a label holds no new line: always joinable
        hits = {labels.items[i] for i in labels.matching(self._contains_re)}
        if len(hits) > FEW_LABELS:
            return lines.matching(self._contains_re)
        return lines.holding(hits)

    def _prefilter_each(self, hosts: Sequence[str]) -> list[int]:
        """:meth:`prefilter` host by host (hosts that cannot be joined by new lines)."""
        labels = [_fast_label(host, self._suffixes) for host in hosts]
        near = near_tokens(set(labels) - {""}, self._ascii_skeletons, self._short_skeletons)
        contains = self._contains_re.search
        return [
            i
            for i, (host, label) in enumerate(zip(hosts, labels, strict=True))
            if contains(host) or not label or label in near
        ]

    def scan(self, lines: Iterable[str], *, batch: int = 20000) -> Iterator[Verdict | Rejected]:
        """Score every line; yields only flagged verdicts and rejected lines."""
        pending: list[str] = []
        for line in lines:
            pending.append(line)
            if len(pending) >= batch:
                yield from self._scan_batch(pending)
                pending = []
        if pending:
            yield from self._scan_batch(pending)

    def _scan_batch(self, lines: list[str]) -> Iterator[Verdict | Rejected]:
        texts = [line.strip().lower().rstrip(".") for line in lines]
        joined = Lines(texts)
        others = not_plain(joined, _plain_host)
        for i in sorted(others):  # IDN, URLs, garbage: the full parser, one by one
            source = lines[i].strip()
            try:
                verdict = self.check(source)
            except HostError as exc:
                yield Rejected(source[:300], exc.message)
                continue
            if verdict.flagged:
                yield verdict
        if others:  # blanked (an empty line passes the pre-filter), then left out
            blanked = list(texts)
            for i in others:
                blanked[i] = ""
            joined = Lines(blanked)
        passed = (
            self._prefilter_lines(joined) if joined.joinable else self._prefilter_each(joined.items)
        )
        for i in passed:
            if i in others:
                continue
            try:
                verdict = self.check(texts[i])
            except HostError as exc:
                yield Rejected(lines[i].strip()[:300], exc.message)
                continue
            if verdict.flagged:
                verdict.input = lines[i].strip()
                yield verdict


#: scorers by brand set (the specs' JSON), newest last; see :func:`scorer_for`
_SCORERS: dict[tuple[str, ...], Scorer] = {}
_SCORERS_KEPT = 4


def scorer_for(brands: Sequence[Brand]) -> Scorer:
    """A scorer for ``brands``, built once per distinct brand set and kept (a few sets).

    The CT poll runs every minute and building the matcher costs more than a
    minute's entries; a scorer is read-only once built, so sharing it is safe.
    """
    key = tuple(b.spec.model_dump_json() for b in brands)
    scorer = _SCORERS.pop(key, None) or Scorer(brands)
    _SCORERS[key] = scorer
    while len(_SCORERS) > _SCORERS_KEPT:
        del _SCORERS[next(iter(_SCORERS))]
    return scorer


_Trie = dict[str, "_Trie"]


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, factored as a prefix tree (fast)."""
    tree: _Trie = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie) -> str:
        end = "" in node
        branches = [re.escape(c) + render(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return render(tree)


def host_script_mix(host: Host) -> ScriptMix | None:
    """The first label of ``host`` that mixes scripts or is a whole-script confusable."""
    if host.unicode.isascii():
        return None
    found: ScriptMix | None = None
    for label in host.unicode.split("."):
        mix = script_mix(label)
        if mix is not None and not mix.whole_script:
            return mix
        if mix is not None and found is None and label == host.label_unicode:
            found = mix
    return found


def _mix_reason(mix: ScriptMix) -> Reason:
    code = "cyrillic" if mix.cyrillic else "homoglyph"
    return Reason(code, mix.describe_zh(), mix.describe_en())


def _digits(text: str) -> str:
    """Number words as digits, as :func:`ascii_skeleton` folds them (``two`` -> ``2``)."""
    for word, digit in NUMERALS:
        text = text.replace(word, ascii_skeleton(digit))
    return text


def _pieces(rest: str) -> list[str]:
    """The words around a brand term: split at dashes, digits and Chinese keywords."""
    return [
        word
        for piece in re.split(r"[-\s0-9]+", rest)
        if piece
        for word in split_keywords(piece, _KEYWORDS)
    ]


def _is_word(term: str) -> bool:
    return ordinary_word(term)


@dataclass(frozen=True)
class Rejected:
    input: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"input": self.input, "error": self.error}


_ORIGIN_TEXT = {
    "domain": ("官方網域名稱", "official domain label"),
    "alias": ("別名", "alias"),
    "abbreviation": ("簡稱", "abbreviation"),
    "pinyin": ("漢語拼音", "Hanyu pinyin spelling"),
    "wade-giles": ("威妥瑪拼音", "Wade-Giles spelling"),
    "tongyong": ("通用拼音", "Tongyong pinyin spelling"),
    "chinese": ("中文名稱", "Chinese name"),
}
_SIMPLE_HOST = re.compile(r"^[a-z0-9][a-z0-9.-]{0,251}[a-z0-9]$")


def _plain_host(text: str) -> bool:
    """A lower-cased line the scan's fast path takes (see :func:`plain_hosts`)."""
    return bool(_SIMPLE_HOST.fullmatch(text)) and "xn--" not in text


@cache
def _suffix_set() -> frozenset[str]:
    return frozenset(s for s in extractor().tlds if not s.startswith(("*", "!")))


def _fast_label(host: str, suffixes: frozenset[str]) -> str:
    parts = host.split(".")
    for i in range(1, len(parts)):
        if ".".join(parts[i:]) in suffixes:
            return parts[i - 1]
    return ""
