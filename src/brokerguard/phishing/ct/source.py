"""What the monitor needs from a CT log, whatever its API (RFC 6962 or static-ct-api).

A source only fetches and decodes; every answer it gives is checked by the
monitor against a tree head whose signature the source verified: new entries
extend the verified frontier and must rebuild the signed root, and tree heads
must be consistent (the project's own RFC 6962 code, :mod:`brokerguard.audit.merkle`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Protocol

from brokerguard.audit.merkle import Frontier
from brokerguard.errors import ValidationError
from brokerguard.phishing.ct.verify import LogKey, TreeHead


class LogUnavailableError(ValidationError):
    """The log did not answer usably (network, HTTP status, not JSON, wrong shape)."""

    code = "ct_unavailable"


class RawEntry(NamedTuple):
    """One log entry: the RFC 6962 ``MerkleTreeLeaf`` (hashed into the tree) and its extra data.

    A named tuple: one is built per fetched entry, several times faster than a
    frozen dataclass.
    """

    leaf_input: bytes
    extra_data: bytes


class LogSource(Protocol):
    #: "rfc6962" | "static"
    api: str
    #: the checkpoint origin (static-ct-api); "" for RFC 6962 logs
    origin: str

    def signed_head(self, key: LogKey, log_id: bytes) -> TreeHead:
        """The log's latest tree head, its signature verified with ``key``."""
        ...

    def consistency(self, first: int, head: TreeHead) -> list[bytes]:
        """An RFC 6962 consistency proof from the tree of ``first`` leaves to ``head``."""
        ...

    def frontier(self, size: int, head: TreeHead) -> Frontier:
        """The frontier of the tree of ``0 < size <= head.tree_size`` leaves (unproven)."""
        ...

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[list[RawEntry]]:
        """Entries ``[start, end)`` of the tree ``head`` signs, in order, page by page."""
        ...
