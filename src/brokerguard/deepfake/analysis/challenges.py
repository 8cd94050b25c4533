"""Was each scheduled challenge performed inside its own window? Decided from measures."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from brokerguard.deepfake.analysis.measures import planar_parallax
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings

#: seconds before a challenge whose frames give the person's resting pose
BASELINE_S = 2.0
#: fewest frames with a face a window needs before anything is decided
MIN_WINDOW_FRAMES = 3


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class FrameMeasure:
    t: float
    faces: int
    yaw: float = 0.0
    pitch: float = 0.0
    ear: float = 0.0
    #: the tracked landmark subset (``measures.TRACK``), (K, 2) pixels
    track: npt.NDArray[np.float32] | None = None

    @property
    def one_face(self) -> bool:
        return self.faces == 1 and self.track is not None


@dataclass
class ChallengeResult:
    challenge: ScheduledChallenge
    passed: bool
    measure: dict[str, Any]
    reason: Reason
    #: the face moved as a flat plane although its apparent yaw changed (replay cue)
    planar_turn: bool = field(default=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.challenge.kind,
            "at": self.challenge.at,
            "window": self.challenge.window,
            "passed": self.passed,
            "measure": self.measure,
            "reason": self.reason.to_dict(),
        }


def _track(frame: FrameMeasure) -> npt.NDArray[np.float32]:
    if frame.track is None:  # only frames with one face reach the judges
        raise ValueError(f"the frame at {frame.t:.2f}s has no landmarks")
    return frame.track


def _fail(
    challenge: ScheduledChallenge, measure: dict[str, Any], reason: Reason
) -> ChallengeResult:
    return ChallengeResult(challenge, False, measure, reason)


def _turn(
    challenge: ScheduledChallenge,
    frames: Sequence[FrameMeasure],
    inside: list[FrameMeasure],
    cfg: DeepfakeSettings,
) -> ChallengeResult:
    before = [f for f in frames if challenge.at - BASELINE_S <= f.t < challenge.at and f.one_face]
    if not before:  # no frame before the prompt: the first moments of the window
        before = [f for f in inside if f.t <= challenge.at + 0.3]
    rest_yaw = statistics.median(f.yaw for f in before)
    rest = min(before, key=lambda f: abs(f.yaw - rest_yaw))
    sign = 1.0 if challenge.kind == "turn_left" else -1.0
    peak = max(inside, key=lambda f: sign * (f.yaw - rest_yaw))
    change = sign * (peak.yaw - rest_yaw)
    parallax = planar_parallax(_track(rest), _track(peak))
    measure = {
        "measure": "yaw_change_deg+planar_parallax",
        "yaw_change_deg": round(change, 1),
        "planar_parallax": round(parallax, 4),
        "rest_yaw_deg": round(rest_yaw, 1),
        "peak_t": round(peak.t, 2),
        "frames": len(inside),
    }
    side_zh = "左" if challenge.kind == "turn_left" else "右"
    if change < cfg.turn_min_yaw_deg:
        return _fail(
            challenge,
            measure,
            Reason(
                "turn_too_small",
                f"{challenge.at:g} 秒起之向{side_zh}轉頭：偏轉僅 {change:.1f}°（需至少 "
                f"{cfg.turn_min_yaw_deg:g}°）",
                f"turn at {challenge.at:g}s: yaw changed {change:.1f}° the asked way "
                f"(at least {cfg.turn_min_yaw_deg:g}° needed)",
            ),
        )
    if parallax < cfg.turn_min_parallax:
        result = _fail(
            challenge,
            measure,
            Reason(
                "planar_motion",
                f"{challenge.at:g} 秒起之向{side_zh}轉頭：臉部移動可由平面解釋（視差 "
                f"{parallax:.3f}，需至少 {cfg.turn_min_parallax:g}），疑似翻拍照片或螢幕",
                f"turn at {challenge.at:g}s: the face moved as a flat plane (parallax "
                f"{parallax:.3f}, at least {cfg.turn_min_parallax:g} needed): a photo or "
                "screen is suspected",
            ),
        )
        result.planar_turn = True
        return result
    return ChallengeResult(
        challenge,
        True,
        measure,
        Reason(
            "turn_done",
            f"{challenge.at:g} 秒起之向{side_zh}轉頭：偏轉 {change:.1f}°，"
            f"具立體視差 {parallax:.3f}",
            f"turn at {challenge.at:g}s: yaw changed {change:.1f}° with 3-D parallax "
            f"{parallax:.3f}",
        ),
    )


def _blink(
    challenge: ScheduledChallenge,
    frames: Sequence[FrameMeasure],
    inside: list[FrameMeasure],
    cfg: DeepfakeSettings,
) -> ChallengeResult:
    open_level = statistics.median(f.ear for f in frames if f.one_face)
    closed_below = cfg.blink_closed_ratio * open_level
    open_above = (1.0 + cfg.blink_closed_ratio) / 2.0 * open_level
    blinks, closed = 0, False
    for frame in inside:
        if not closed and frame.ear < closed_below:
            closed = True
        elif closed and frame.ear > open_above:
            closed = False
            blinks += 1
    lowest = min(f.ear for f in inside) / open_level if open_level > 0 else 1.0
    measure = {
        "measure": "eye_aspect_ratio",
        "blinks": blinks,
        "open_ear": round(open_level, 3),
        "lowest_ear_share": round(lowest, 3),
        "frames": len(inside),
    }
    if blinks >= 2:
        return ChallengeResult(
            challenge,
            True,
            measure,
            Reason(
                "blinks_seen",
                f"{challenge.at:g} 秒起之眨眼：偵測到 {blinks} 次眨眼",
                f"blink at {challenge.at:g}s: {blinks} blinks seen",
            ),
        )
    return _fail(
        challenge,
        measure,
        Reason(
            "blinks_missing",
            f"{challenge.at:g} 秒起之眨眼：僅偵測到 {blinks} 次完整眨眼（需 2 次；眼睛開合比最低為"
            f"睜眼時之 {lowest:.0%}）",
            f"blink at {challenge.at:g}s: {blinks} complete blinks seen (2 needed; the eye "
            f"aspect ratio fell to {lowest:.0%} of open)",
        ),
    )


def evaluate(
    schedule: Sequence[ScheduledChallenge],
    frames: Sequence[FrameMeasure],
    duration_s: float,
    cfg: DeepfakeSettings,
) -> list[ChallengeResult]:
    """One result per scheduled challenge, in schedule order."""
    results = []
    frame_step = 1.0 / cfg.analysis_fps
    for challenge in schedule:
        if duration_s + frame_step < challenge.end:
            results.append(
                _fail(
                    challenge,
                    {"measure": "none", "recording_ends_s": round(duration_s, 2)},
                    Reason(
                        "recording_too_short",
                        f"錄影於 {duration_s:.1f} 秒結束，早於 {challenge.at:g} 秒起之挑戰時窗"
                        f"（至 {challenge.end:g} 秒）",
                        f"the recording ends at {duration_s:.1f}s, before the window of the "
                        f"challenge at {challenge.at:g}s closes ({challenge.end:g}s)",
                    ),
                )
            )
            continue
        inside = [f for f in frames if challenge.at <= f.t <= challenge.end and f.one_face]
        if len(inside) < MIN_WINDOW_FRAMES:
            results.append(
                _fail(
                    challenge,
                    {"measure": "none", "frames": len(inside)},
                    Reason(
                        "no_face_in_window",
                        f"{challenge.at:g} 秒起之挑戰時窗內未能清楚看到單一臉孔",
                        f"no single face was visible in the window of the challenge at "
                        f"{challenge.at:g}s",
                    ),
                )
            )
        elif challenge.kind == "blink_twice":
            results.append(_blink(challenge, frames, inside, cfg))
        else:
            results.append(_turn(challenge, frames, inside, cfg))
    return results
