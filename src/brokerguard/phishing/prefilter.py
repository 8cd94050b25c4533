"""The scan's cheap first pass over many host names: which of them may imitate a brand?

:meth:`brokerguard.phishing.scoring.Scorer.scan` scores millions of names (a CT
log's minute, the Tranco list); all but a handful imitate nothing. A host goes on
to full scoring when

- a brand term occurs anywhere in it (one compiled prefix-tree expression),
- its registrable label (the label before the public suffix) is within two OSA
  edits of a brand skeleton of four or more letters, or has the skeleton of a
  shorter term, or
- it has no known public suffix (the full parser then says why it is refused).

Asking that host by host costs microseconds of Python per name. Here the names
of a batch are joined by new lines into one string and each question is asked
once for the whole batch, by C code: the term expression and a few literal
searches run over the joined text; the text is split into its distinct
dot-separated tokens, which are folded to skeletons in one pass
(:func:`~brokerguard.phishing.glyphs.ascii_skeleton` maps no sequence across a
new line) and compared with the brand skeletons in one ``rapidfuzz`` matrix.
Every registrable label is one of those tokens, so a host none of whose tokens
is near, whose last label is a known suffix and which has a dot and no empty
label cannot pass; only the few hosts carrying a near token or an unknown last
label are looked at one by one, with the per-host rule. The result is exactly
the per-host rule's (``tests/phishing/test_prefilter.py`` checks it against a
plain per-host implementation on the Tranco list, CT-like names and lookalikes).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from functools import cached_property, partial
from itertools import accumulate
from operator import add

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from brokerguard.phishing.glyphs import ascii_skeleton

#: more suspect tokens than this in one batch: look at every host one by one
MAX_SUSPECTS = 500
#: up to this many labels, :meth:`Lines.holding` looks for each with ``str.find``
FEW_LABELS = 16
_MIN_PLAIN, _MAX_PLAIN = 2, 253
#: each searched alone: a pattern that starts with a literal or one character
#: class is scanned by C at memory speed, an alternation is tried at every position
_BAD_CHARACTER = re.compile(r"[^a-z0-9.\n-]")
_PUNYCODE = re.compile("xn--")
_DOT_OR_DASH_FIRST = re.compile(r"\n([.-])")
_DOT_OR_DASH_LAST = re.compile(r"([.-])\n")
_NO_DOT = re.compile(r"\n(?=([^.\n]*)\n)")
_EMPTY_LABEL = re.compile(r"\.\.")
#: over the reversed text: the last label of every line, reversed
_LAST_LABEL_REVERSED = re.compile(r"\n([^.\n]+)")


class Lines:
    """Names joined by new lines (one before the first, one after the last).

    :meth:`matching` maps a match back to the index of the name it is in.
    """

    def __init__(self, items: Sequence[str]) -> None:
        self.items = items
        self.text = "\n" + "\n".join(items) + "\n"

    @property
    def joinable(self) -> bool:
        """No item holds a new line of its own (else the offsets would not map back)."""
        return self.text.count("\n") == len(self.items) + 1

    @cached_property
    def _starts(self) -> list[int]:
        """Where each item starts in :attr:`text`."""
        return list(accumulate(map(partial(add, 1), map(len, self.items)), initial=1))[:-1]

    def matching(self, pattern: re.Pattern[str]) -> set[int]:
        """Indexes of the items in which ``pattern`` matches (never across items).

        A pattern with a group is placed by the group's start (``\\n(x)``: the item
        after the new line).
        """
        starts, group = self._starts, 1 if pattern.groups else 0
        return {bisect_right(starts, m.start(group)) - 1 for m in pattern.finditer(self.text)}

    def holding(self, labels: Collection[str]) -> set[int]:
        """Indexes of the items having one of ``labels`` (no dot, no new line) as a label.

        A few labels (the usual case: the rare suspect of a batch) are found with
        ``str.find``, which runs at memory speed; many with one expression.
        """
        if len(labels) > FEW_LABELS:
            return self.matching(token_pattern(labels))
        text, starts, found = self.text, self._starts, set()
        for label in labels:
            pos = text.find(label) if label else -1
            while pos >= 0:
                end = pos + len(label)
                if text[pos - 1] in ".\n" and text[end] in ".\n":
                    found.add(bisect_right(starts, pos) - 1)
                pos = text.find(label, end)
        return found

    def tokens(self) -> set[str]:
        """The distinct dot-separated labels of all items (no empty label)."""
        found = set(self.text.replace("\n", ".").split("."))
        found.discard("")
        return found

    def last_labels(self) -> set[str]:
        """The distinct last labels of the items (the whole item when it has no dot)."""
        reversed_labels = set(_LAST_LABEL_REVERSED.findall(self.text[::-1]))
        return {label[::-1] for label in reversed_labels}


def not_plain(lines: Lines, plain: Callable[[str], bool]) -> set[int]:
    """Indexes of the lower-cased items that are not plain ASCII host names.

    Plain: 2-253 characters of ``a-z0-9.-``, a letter or digit at both ends, no
    ``xn--`` (``plain`` is that rule for one item, used when items hold new lines).
    """
    items = lines.items
    if not lines.joinable:
        return {i for i, text in enumerate(items) if not plain(text)}
    text = lines.text
    bad = lines.matching(_BAD_CHARACTER)
    if "xn--" in text:
        bad |= lines.matching(_PUNYCODE)
    if "\n." in text or "\n-" in text:  # a substring test is far cheaper than a search
        bad |= lines.matching(_DOT_OR_DASH_FIRST)
    if ".\n" in text or "-\n" in text:
        bad |= lines.matching(_DOT_OR_DASH_LAST)
    sizes = list(map(len, items))
    if sizes and (min(sizes) < _MIN_PLAIN or max(sizes) > _MAX_PLAIN):
        bad.update(i for i, size in enumerate(sizes) if not _MIN_PLAIN <= size <= _MAX_PLAIN)
    return bad


def near_tokens(
    tokens: Collection[str], skeletons: Sequence[str], short: Collection[str]
) -> set[str]:
    """The ``tokens`` whose ASCII skeleton is within two OSA edits of one of
    ``skeletons`` or equal to one of the ``short`` skeletons."""
    if not tokens:
        return set()
    ordered = list(tokens)
    joined = "\n".join(ordered)
    if joined.count("\n") == len(ordered) - 1:  # one pass over all (no token holds a \n)
        folded = ascii_skeleton(joined).split("\n")
    else:
        folded = [ascii_skeleton(token) for token in ordered]
    matrix = process.cdist(
        folded, skeletons, scorer=OSA.distance, score_cutoff=2, dtype=np.int8, workers=1
    )
    near = {ordered[i] for i in np.nonzero(matrix.min(axis=1) <= 2)[0]}
    near.update(ordered[i] for i, f in enumerate(folded) if f in short)
    return near


def token_pattern(tokens: Collection[str]) -> re.Pattern[str]:
    """Any of ``tokens`` as a whole dot-separated label of a line (its group).

    The leading separator (every line starts after a new line) lets the search
    skip to the dots and new lines instead of trying every position.
    """
    body = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"[.\n]({body})(?![^.\n])")


def candidates(lines: Lines, near: set[str], suffixes: Collection[str]) -> set[int] | None:
    """Items that may have a near or an empty registrable label; ``None``: any may.

    An item qualifies when it has no dot, an empty label, a last label that is no
    known suffix, or a near token anywhere; the caller applies the exact rule to them.
    """
    found = lines.matching(_NO_DOT) | lines.matching(_EMPTY_LABEL)
    suspects = near | {t for t in lines.last_labels() if t not in suffixes}
    if len(suspects) > MAX_SUSPECTS:
        return None
    if suspects:
        found |= lines.holding(suspects)
    return found
