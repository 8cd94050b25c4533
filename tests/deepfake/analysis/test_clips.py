"""The analyser on synthetic clips: what a photo can and cannot fake.

These clips prove the pipeline (each measure reacts to what it claims to measure), not
its accuracy on real people.
"""

from __future__ import annotations

import pytest

from brokerguard.deepfake.analysis.pipeline import AnalysisReport, analyse_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from tests.deepfake.conftest import CFG, SCHEDULE, ClipMaker

pytestmark = pytest.mark.slow


def analyse(clips: ClipMaker, kind: str, photo: str = "astronaut") -> AnalysisReport:
    return analyse_recording(clips.clip(kind), SCHEDULE, clips.photo(photo), CFG)


def by_kind(report: AnalysisReport) -> dict[str, bool]:
    return {c.challenge.kind: c.passed for c in report.challenges}


def test_rotated_face_passes_every_challenge_and_matches(clips: ClipMaker) -> None:
    report = analyse(clips, "rotated_face")
    assert by_kind(report) == {"turn_left": True, "blink_twice": True, "turn_right": True}
    assert report.liveness == "pass"
    assert not report.replay_suspected
    assert report.face_match.same_person
    assert report.automatic_pass
    turn = report.challenges[0].measure
    assert turn["yaw_change_deg"] >= CFG.turn_min_yaw_deg
    assert turn["planar_parallax"] >= CFG.turn_min_parallax
    assert report.face_found_ratio > 0.95
    assert len(report.recording_sha256) == 64
    assert "mediapipe" in report.model_versions["landmarks"]


def test_same_clip_against_another_persons_photo_is_a_mismatch(clips: ClipMaker) -> None:
    report = analyse(clips, "rotated_face", photo="grace_hopper")
    assert report.face_match.distance is not None
    assert report.face_match.distance > CFG.face_match_max_distance
    assert not report.face_match.same_person
    assert not report.automatic_pass
    assert "face_mismatch" in {r.code for r in report.reasons}


def test_still_photo_with_2d_shifts_fails_every_challenge(clips: ClipMaker) -> None:
    report = analyse(clips, "still_replay")
    assert by_kind(report) == {"turn_left": False, "blink_twice": False, "turn_right": False}
    assert report.liveness == "fail"
    assert not report.automatic_pass
    for result in report.challenges:
        assert result.measure["frames"] >= 10  # the face was there: the judges looked


def test_photo_tilted_in_3d_is_not_a_head_turn(clips: ClipMaker) -> None:
    report = analyse(clips, "tilted_photo")
    turns = [c for c in report.challenges if c.challenge.kind != "blink_twice"]
    assert all(not c.passed for c in turns)
    # whatever yaw the landmark model reads, a plane explains the motion
    assert all(c.measure["planar_parallax"] < CFG.turn_min_parallax for c in turns)
    assert report.liveness == "fail"


def test_warped_blink_is_seen_but_is_not_liveness(clips: ClipMaker) -> None:
    report = analyse(clips, "warped_blink")
    assert by_kind(report) == {"turn_left": False, "blink_twice": True, "turn_right": False}
    blink = report.challenges[1].measure
    assert blink["blinks"] >= 2
    assert blink["lowest_ear_share"] < CFG.blink_closed_ratio
    assert report.liveness == "fail"


def test_screen_replay_is_flagged_by_its_moire(clips: ClipMaker) -> None:
    report = analyse(clips, "screen_replay")
    assert report.replay_suspected
    assert report.moire_peak_ratio >= CFG.moire_max_peak_ratio
    assert "moire" in {r.code for r in report.reasons}
    clean = analyse(clips, "still_replay")
    assert clean.moire_peak_ratio < CFG.moire_max_peak_ratio


def test_no_face_fails_with_reasons(clips: ClipMaker) -> None:
    report = analyse(clips, "no_face")
    assert report.face_found_ratio == 0.0
    assert report.liveness == "fail"
    assert report.face_match.distance is None
    assert not report.face_match.same_person
    codes = {r.code for r in report.reasons}
    assert {"no_face", "face_not_visible", "face_match_unknown"} <= codes


def test_a_schedule_the_clip_did_not_follow_fails(clips: ClipMaker) -> None:
    flip = {"turn_left": "turn_right", "turn_right": "turn_left"}
    swapped = [ScheduledChallenge(flip.get(c.kind, c.kind), c.at, c.window) for c in SCHEDULE]
    report = analyse_recording(clips.clip("rotated_face"), swapped, clips.photo("astronaut"), CFG)
    assert by_kind(report)["turn_left"] is False
    assert by_kind(report)["turn_right"] is False
    assert report.liveness == "fail"
