"""The pluggable deepfake detector (深偽偵測).

A detector looks at a recording and returns a score in [0, 1] (1 = certainly
synthetic) or no score with a reason. brokerguard ships no model: the default
:class:`NoDetector` says so instead of inventing a number. A firm plugs in its
vendor's detector by implementing :class:`DeepfakeDetector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class DetectorResult:
    score: float | None
    note: str

    def __post_init__(self) -> None:
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError("a deepfake score lies between 0 and 1")


@runtime_checkable
class DeepfakeDetector(Protocol):
    name: str

    def assess(self, recording: bytes) -> DetectorResult:
        """Score one recording."""
        ...


class NoDetector:
    """The default: no model is configured, so there is no score."""

    name = "none"

    def assess(self, recording: bytes) -> DetectorResult:
        return DetectorResult(None, "no score: no detector configured")
