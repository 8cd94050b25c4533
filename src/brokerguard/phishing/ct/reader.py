"""The names of fetched entries, read on another core than the poll's while it goes on.

Reading a certificate's names (:func:`~brokerguard.phishing.ct.certs.logged_names`:
``cryptography``'s parse and the DER walk) is the largest per-entry cost of a poll
and is pure Python or holds the GIL, so a thread cannot run it beside the poll.
A :class:`PageReader` hands each fetched page to one helper process (started
once per process with ``spawn``, kept between polls: the worker polls every
minute) and gives back, in page order, each entry's names or the message of its
entry error. Meanwhile the poll hashes the next pages into the Merkle frontier,
normalises and scores the names already read.

Nothing is trusted from the helper beyond what the poll itself would have
computed: it receives the very ``leaf_input`` bytes the poll hashes and proves
against the signed tree head, and runs the same function. When the machine has
one core, or the helper cannot be started, dies or stalls, pages are read in the
poll's own process (same results, one core).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from brokerguard.phishing.ct.certs import logged_names, normalised_names
from brokerguard.phishing.ct.tls import CTFormatError


class PageNames(NamedTuple):
    """The names of a page of entries, as the monitor scores them."""

    #: every name of every entry, in order, normalised (``""``: a name dropped)
    names: list[str]
    #: how many of :attr:`names` each entry has
    counts: list[int]
    #: (offset in the page, message) of each entry whose certificate does not parse
    errors: list[tuple[int, str]]


#: a poll of fewer entries does not start the helper: starting it costs about a
#: second (as long as reading ~100 000 entries in place), which pays back over the
#: later polls of a busy log in the same process (the worker's, every minute), not
#: in a one-off poll of a few entries
HELPER_MIN_ENTRIES = 2000
#: a page the helper has not read in this long is read in place (a stuck helper)
HELPER_TIMEOUT_S = 60.0

_pool: ProcessPoolExecutor | None = None


def read_page(leaf_inputs: Sequence[bytes]) -> PageNames:
    """The normalised names of each ``leaf_input``; an entry error names no host."""
    found: list[str] = []
    counts: list[int] = []
    errors: list[tuple[int, str]] = []
    for offset, leaf_input in enumerate(leaf_inputs):
        try:
            names = logged_names(leaf_input)
        except CTFormatError as exc:
            errors.append((offset, exc.message))
            names = []
        found += names
        counts.append(len(names))
    return PageNames(normalised_names(found), counts, errors)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _helper() -> ProcessPoolExecutor | None:
    """The helper process (started on first use), or ``None`` on a one-core machine."""
    global _pool
    if _pool is None and _cores() >= 2:
        _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _drop_helper() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


class PageReader:
    """Reads pages in the helper process, in order; in this process when there is none.

    ``entries`` is how many entries the poll expects to read: the helper is
    started (about a second) only for a poll of :data:`HELPER_MIN_ENTRIES` or
    more, then kept for every later poll of the process.
    """

    def __init__(self, entries: int) -> None:
        #: each page, the helper reading it (or None) and its answer to come
        self._pending: list[
            tuple[list[bytes], ProcessPoolExecutor | None, Future[PageNames] | None]
        ]
        self._pending = []
        self._use_helper = _pool is not None or entries >= HELPER_MIN_ENTRIES

    def submit(self, leaf_inputs: list[bytes]) -> None:
        helper = _helper() if self._use_helper else None
        future = None
        if helper is not None:
            try:
                future = helper.submit(read_page, leaf_inputs)
            except (BrokenProcessPool, RuntimeError):  # died, or shut down at exit
                _drop_helper()
        self._pending.append((leaf_inputs, helper, future))

    def __len__(self) -> int:
        return len(self._pending)

    def ready(self) -> bool:
        """Whether the oldest submitted page is read (:meth:`next` will not wait)."""
        if not self._pending:
            return False
        _, helper, future = self._pending[0]
        return future is None or helper is not _pool or future.done()

    def next(self) -> PageNames:
        """The names of the oldest submitted page (waits for the helper, a bounded time)."""
        leaf_inputs, helper, future = self._pending.pop(0)
        if future is not None and helper is _pool:  # not given up since
            try:
                return future.result(timeout=HELPER_TIMEOUT_S)
            except (BrokenProcessPool, TimeoutError, CancelledError):  # died or stuck
                _drop_helper()
        return read_page(leaf_inputs)
