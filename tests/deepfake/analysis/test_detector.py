"""The analyser behind the pluggable detector interface."""

from __future__ import annotations

import pytest

from brokerguard.deepfake.analysis.detector import ChallengeAnalysisDetector
from brokerguard.deepfake.detector import DeepfakeDetector
from tests.deepfake.conftest import CFG, SCHEDULE, ClipMaker

pytestmark = pytest.mark.slow


def test_scores_follow_the_analysis(clips: ClipMaker) -> None:
    detector = ChallengeAnalysisDetector(SCHEDULE, clips.photo("astronaut"), CFG)
    assert isinstance(detector, DeepfakeDetector)
    screen = detector.assess(clips.clip("screen_replay").read_bytes())
    assert screen.score == 1.0
    assert "filmed screen" in screen.note
    live = detector.assess(clips.clip("rotated_face").read_bytes())
    assert live.score == 0.0
    assert "matches the ID photo" in live.note
