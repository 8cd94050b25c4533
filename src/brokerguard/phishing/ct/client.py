"""The RFC 6962 HTTP API of one log (``get-sth``, ``get-entries``, consistency, entry+proof).

:class:`RFC6962Client` is the RFC 6962 :class:`~brokerguard.phishing.ct.source.LogSource`
the monitor polls; :mod:`.static` is the static-ct-api one.

Every answer is checked before use: JSON of the right shape, base64 that decodes,
hashes of 32 bytes, ``get-entries`` never more entries than asked. A log that
answers HTML, a 5xx, garbage or nothing raises :class:`LogUnavailableError`
(nothing is trusted, nothing is written); a log that answers well-formed but
wrong data is caught by :mod:`.verify`.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from brokerguard.audit.merkle import Frontier, ProofError, leaf_hash
from brokerguard.phishing.ct.source import LogUnavailableError, RawEntry
from brokerguard.phishing.ct.verify import LogKey, LogVerificationError, TreeHead, verify_tree_head

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT_S = 20.0
#: entries asked per get-entries (logs answer fewer when they cap pages)
DEFAULT_PAGE = 1000


_a2b = binascii.a2b_base64


def _b64(value: Any, what: str) -> bytes:
    """Strict base64 (only the alphabet, correct padding, nothing after it)."""
    if not isinstance(value, str):
        raise LogUnavailableError(f"{what} is not a base64 string")
    try:
        return _a2b(value, strict_mode=True)
    except (binascii.Error, ValueError):  # ValueError: a str that is not ASCII
        raise LogUnavailableError(f"{what} is not valid base64") from None


def _hash(value: Any, what: str) -> bytes:
    raw = _b64(value, what)
    if len(raw) != 32:
        raise LogUnavailableError(f"{what} is {len(raw)} bytes, not a SHA-256 hash")
    return raw


def _uint(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 63:
        raise LogUnavailableError(f"{what} is not a non-negative integer")
    return value


class RFC6962Client:
    """One log's API under ``base_url`` (ending in ``/``), over ``http`` (an httpx client)."""

    api = "rfc6962"
    origin = ""

    def __init__(self, base_url: str, http: httpx.Client, page: int = DEFAULT_PAGE) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.http = http
        self.page = page

    def _get(self, path: str, params: dict[str, int]) -> dict[str, Any]:
        url = f"{self.base_url}ct/v1/{path}"
        try:
            with self.http.stream("GET", url, params=params) as response:
                if response.status_code != 200:
                    raise LogUnavailableError(f"{path}: HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise LogUnavailableError(f"{path}: answer larger than 64 MiB")
        except httpx.HTTPError as exc:
            raise LogUnavailableError(f"{path}: {type(exc).__name__}: {str(exc)[:120]}") from None
        try:
            data = json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError):
            raise LogUnavailableError(f"{path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise LogUnavailableError(f"{path}: the answer is not a JSON object")
        return data

    def get_sth(self) -> TreeHead:
        data = self._get("get-sth", {})
        return TreeHead(
            tree_size=_uint(data.get("tree_size"), "tree_size"),
            timestamp_ms=_uint(data.get("timestamp"), "timestamp"),
            root=_hash(data.get("sha256_root_hash"), "sha256_root_hash"),
            signature=_b64(data.get("tree_head_signature"), "tree_head_signature"),
        )

    def get_entries(self, start: int, end: int) -> list[RawEntry]:
        """Entries ``start..end`` inclusive; the log may return fewer (never more)."""
        data = self._get("get-entries", {"start": start, "end": end})
        items = data.get("entries")
        if not isinstance(items, list):
            raise LogUnavailableError("get-entries: no entries list")
        if len(items) > end - start + 1:
            raise LogUnavailableError(
                f"get-entries: {len(items)} entries for {end - start + 1} asked"
            )
        try:  # the usual answer: every entry an object of two base64 strings
            return [
                RawEntry(_a2b(item["leaf_input"], strict_mode=True),
                         _a2b(item.get("extra_data", ""), strict_mode=True))
                for item in items
            ]  # fmt: skip
        except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
            pass  # which entry, and why: the checks below say
        entries = []
        for offset, item in enumerate(items):
            if not isinstance(item, dict):
                raise LogUnavailableError(f"get-entries: entry {start + offset} is not an object")
            entries.append(
                RawEntry(
                    _b64(item.get("leaf_input"), f"entry {start + offset} leaf_input"),
                    _b64(item.get("extra_data", ""), f"entry {start + offset} extra_data"),
                )
            )
        return entries

    def get_consistency(self, first: int, second: int) -> list[bytes]:
        data = self._get("get-sth-consistency", {"first": first, "second": second})
        proof = data.get("consistency")
        if not isinstance(proof, list) or len(proof) > 64:
            raise LogUnavailableError("get-sth-consistency: no consistency list")
        return [_hash(p, "consistency proof node") for p in proof]

    def get_entry_and_proof(self, index: int, tree_size: int) -> tuple[RawEntry, list[bytes]]:
        data = self._get("get-entry-and-proof", {"leaf_index": index, "tree_size": tree_size})
        path = data.get("audit_path")
        if not isinstance(path, list) or len(path) > 64:
            raise LogUnavailableError("get-entry-and-proof: no audit_path list")
        entry = RawEntry(
            _b64(data.get("leaf_input"), "leaf_input"), _b64(data.get("extra_data", ""), "extra")
        )
        return entry, [_hash(p, "audit path node") for p in path]

    # --- the LogSource operations ---------------------------------------------------

    def signed_head(self, key: LogKey, log_id: bytes) -> TreeHead:
        head = self.get_sth()
        verify_tree_head(key, head)
        return head

    def consistency(self, first: int, head: TreeHead) -> list[bytes]:
        return self.get_consistency(first, head.tree_size)

    def frontier(self, size: int, head: TreeHead) -> Frontier:
        """The audit path of leaf ``size - 1`` in the tree of ``size``, with that leaf appended."""
        entry, path = self.get_entry_and_proof(size - 1, size)
        try:
            frontier = Frontier(size - 1, list(reversed(path)))
        except ProofError as exc:
            raise LogVerificationError(f"audit path of entry {size - 1}: {exc}") from None
        frontier.append(leaf_hash(entry.leaf_input))
        return frontier

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[list[RawEntry]]:
        """Entries ``[start, end)``, page by page; a log returning none is an error.

        The next page is requested before the current one is handed over, so the
        log's answer travels while the monitor hashes and parses (one request in
        flight at a time, as a log expects from one client). The first request asks
        for a quarter page: the monitor starts on it sooner, and the full pages
        that follow arrive while it works.
        """
        if start >= end:
            return
        with ThreadPoolExecutor(1, thread_name_prefix="ct-fetch") as fetcher:
            position = start
            first = min(position + max(1, self.page // 4), end) - 1
            pending = fetcher.submit(self.get_entries, position, first)
            while True:
                got = pending.result()
                if not got:
                    raise LogUnavailableError(f"get-entries returned nothing from {position}")
                position += len(got)
                if position < end:
                    last = min(position + self.page, end) - 1
                    pending = fetcher.submit(self.get_entries, position, last)
                yield got
                if position >= end:
                    return
