"""Analyse one recording against its challenge schedule and the ID photo."""

from __future__ import annotations

import hashlib
import heapq
import statistics
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from brokerguard.deepfake.analysis import facematch, landmarks, measures
from brokerguard.deepfake.analysis.challenges import (
    ChallengeResult,
    FrameMeasure,
    Reason,
    evaluate,
)
from brokerguard.deepfake.analysis.decode import UnreadableMediaError, VideoReader, read_ahead
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings

#: the version of this analysis code; stored with every result
ANALYSER_VERSION = "brokerguard-video-analysis 1"
#: frames per second on which faces are counted and the moiré spectrum is measured
SPOT_CHECKS_PER_S = 2.0
#: share of frames with several faces above which the session is flagged
SEVERAL_FACES_SHARE = 0.1


@dataclass(frozen=True)
class FaceMatch:
    distance: float | None
    same_person: bool
    frames_compared: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "distance": None if self.distance is None else round(self.distance, 4),
            "same_person": self.same_person,
            "frames_compared": self.frames_compared,
        }


@dataclass
class AnalysisReport:
    recording_sha256: str
    frames: int
    duration_s: float
    face_found_ratio: float
    challenges: list[ChallengeResult]
    liveness: str
    replay_suspected: bool
    moire_peak_ratio: float
    face_match: FaceMatch
    reasons: list[Reason]
    model_versions: dict[str, str]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def replay_suspected_by_moire(self) -> bool:
        return self.moire_peak_ratio >= self.thresholds.get("moire_max_peak_ratio", float("inf"))

    @property
    def automatic_pass(self) -> bool:
        """Liveness passed, no replay suspected and the face matches the ID photo."""
        return self.liveness == "pass" and not self.replay_suspected and self.face_match.same_person

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "duration_s": round(self.duration_s, 3),
            "face_found_ratio": round(self.face_found_ratio, 4),
            "challenges": [c.to_dict() for c in self.challenges],
            "liveness": self.liveness,
            "replay_suspected": self.replay_suspected,
            "moire_peak_ratio": round(self.moire_peak_ratio, 2),
            "reasons": [r.to_dict() for r in self.reasons],
            "face_match": self.face_match.to_dict(),
            "automatic_pass": self.automatic_pass,
            "recording_sha256": self.recording_sha256,
            "model_versions": self.model_versions,
            "thresholds": self.thresholds,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_versions() -> dict[str, str]:
    return {
        "analyser": ANALYSER_VERSION,
        "landmarks": landmarks.model_version(),
        "face_count": landmarks.counter_version(),
        "decoder": f"PyAV {av.__version__}",
        **facematch.model_versions(),
    }


class _BestFaces:
    """The ``size`` most frontal face crops seen so far (a bounded heap)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._heap: list[tuple[float, int, npt.NDArray[np.uint8]]] = []
        self._count = 0

    def offer(
        self, score: float, crop_of: npt.NDArray[np.uint8], box: tuple[int, int, int, int]
    ) -> None:
        self._count += 1
        if len(self._heap) >= self.size and score <= self._heap[0][0]:
            return
        left, top, right, bottom = box
        crop = np.ascontiguousarray(crop_of[top:bottom, left:right])
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (score, self._count, crop))
        else:
            heapq.heapreplace(self._heap, (score, self._count, crop))

    def crops(self) -> list[npt.NDArray[np.uint8]]:
        return [crop for _, _, crop in sorted(self._heap, reverse=True)]


def measure_frames(
    reader: VideoReader, best: _BestFaces
) -> tuple[list[FrameMeasure], list[float], float]:
    """Landmarks and measures of every sampled frame; face count and moiré on a few."""
    frames: list[FrameMeasure] = []
    moire: list[float] = []
    next_spot = 0.0
    counted = 0
    last_t = 0.0
    track = list(measures.TRACK)
    with landmarks.FaceLandmarker() as landmarker, closing(read_ahead(reader.frames())) as stream:
        for frame in stream:
            last_t = frame.t
            seen = landmarker.observe(frame.image)
            spot = frame.t >= next_spot
            if spot:
                next_spot = frame.t + 1.0 / SPOT_CHECKS_PER_S
                counted = landmarker.count_faces(frame.image)
            if seen.points is None:
                frames.append(FrameMeasure(frame.t, 0))
                continue
            points = seen.points
            # the mesh tracks one face; the last count tells whether others are in view
            faces = max(1, counted)
            yaw, pitch = measures.head_pose(points)
            frames.append(
                FrameMeasure(
                    frame.t,
                    faces,
                    yaw,
                    pitch,
                    measures.eye_aspect_ratio(points),
                    np.ascontiguousarray(points[track, :2]),
                )
            )
            if faces != 1:
                continue
            height, width = frame.image.shape[:2]
            if spot:
                left, top, right, bottom = measures.face_box(points, width, height, 0.0)
                moire.append(measures.moire_peak_ratio(frame.image[top:bottom, left:right]))
            size = measures.eye_distance(points)
            best.offer(
                size - 2.0 * (abs(yaw) + abs(pitch)),
                frame.image,
                measures.face_box(points, width, height, 0.35),
            )
    return frames, moire, last_t


def match_faces(
    crops: Sequence[npt.NDArray[np.uint8]], photo: facematch.Embedding, cfg: DeepfakeSettings
) -> FaceMatch:
    embedder = facematch.shared_embedder()
    distances = []
    for crop in crops:
        embedding = embedder.embed_crop(crop)
        if embedding is not None:
            distances.append(facematch.distance(embedding, photo))
    if not distances:
        return FaceMatch(None, False, 0)
    value = statistics.median(distances)
    return FaceMatch(value, value <= cfg.face_match_max_distance, len(distances))


def _thresholds(cfg: DeepfakeSettings) -> dict[str, float]:
    return {
        "min_face_ratio": cfg.min_face_ratio,
        "turn_min_yaw_deg": cfg.turn_min_yaw_deg,
        "turn_min_parallax": cfg.turn_min_parallax,
        "blink_closed_ratio": cfg.blink_closed_ratio,
        "moire_max_peak_ratio": cfg.moire_max_peak_ratio,
        "face_match_max_distance": cfg.face_match_max_distance,
        "analysis_fps": cfg.analysis_fps,
    }


def analyse_recording(
    recording: Path,
    schedule: Sequence[ScheduledChallenge],
    id_photo: Path,
    cfg: DeepfakeSettings,
) -> AnalysisReport:
    """Decode, measure, judge. Typed errors for unreadable inputs; a verdict otherwise."""
    photo = facematch.photo_embedding(facematch.shared_embedder(), facematch.load_photo(id_photo))
    best = _BestFaces(cfg.face_match_frames)
    with VideoReader(recording, cfg) as reader:
        frames, moire, last_t = measure_frames(reader, best)
    sha256 = file_sha256(recording)
    if not frames:
        raise UnreadableMediaError(f"{recording.name} has no video frames", field="recording")
    duration = last_t + 1.0 / cfg.analysis_fps
    one_face = sum(1 for f in frames if f.one_face)
    several = sum(1 for f in frames if f.faces > 1)
    ratio = one_face / len(frames)
    results = evaluate(schedule, frames, duration, cfg) if one_face else _all_failed(schedule)
    moire_ratio = statistics.median(moire) if moire else 0.0
    planar = any(r.planar_turn for r in results)
    replay = planar or moire_ratio >= cfg.moire_max_peak_ratio
    face_match = match_faces(best.crops(), photo, cfg)
    reasons = [r.reason for r in results]
    if ratio < cfg.min_face_ratio:
        reasons.append(
            Reason(
                "face_not_visible",
                f"僅 {ratio:.0%} 的畫面可見單一臉孔（需至少 {cfg.min_face_ratio:.0%}）",
                f"a single face is visible in {ratio:.0%} of the frames "
                f"(at least {cfg.min_face_ratio:.0%} needed)",
            )
        )
    if several / len(frames) > SEVERAL_FACES_SHARE:
        reasons.append(
            Reason(
                "several_faces",
                f"{several / len(frames):.0%} 的畫面出現多張臉孔",
                f"several faces appear in {several / len(frames):.0%} of the frames",
            )
        )
    if moire_ratio >= cfg.moire_max_peak_ratio:
        reasons.append(
            Reason(
                "moire",
                f"臉部區域頻譜出現規則峰值（{moire_ratio:.0f}，上限 "
                f"{cfg.moire_max_peak_ratio:g}），疑似翻拍螢幕",
                f"the face area's spectrum has regular peaks ({moire_ratio:.0f}, limit "
                f"{cfg.moire_max_peak_ratio:g}): a filmed screen is suspected",
            )
        )
    reasons.append(_match_reason(face_match, cfg))
    live = (
        bool(results)
        and all(r.passed for r in results)
        and ratio >= cfg.min_face_ratio
        and several / len(frames) <= SEVERAL_FACES_SHARE
    )
    return AnalysisReport(
        recording_sha256=sha256,
        frames=len(frames),
        duration_s=duration,
        face_found_ratio=ratio,
        challenges=results,
        liveness="pass" if live else "fail",
        replay_suspected=replay,
        moire_peak_ratio=moire_ratio,
        face_match=face_match,
        reasons=reasons,
        model_versions=model_versions(),
        thresholds=_thresholds(cfg),
    )


def _all_failed(schedule: Sequence[ScheduledChallenge]) -> list[ChallengeResult]:
    reason = Reason("no_face", "錄影中未偵測到臉孔", "no face was found anywhere in the recording")
    return [ChallengeResult(c, False, {"measure": "none", "frames": 0}, reason) for c in schedule]


def _match_reason(match: FaceMatch, cfg: DeepfakeSettings) -> Reason:
    if match.distance is None:
        return Reason(
            "face_match_unknown",
            "錄影中無可供比對之正面臉孔，無法與證件照比對",
            "no frontal face in the recording could be compared with the ID photo",
        )
    if match.same_person:
        return Reason(
            "face_match",
            f"與證件照相符（距離 {match.distance:.3f}，上限 {cfg.face_match_max_distance:g}）",
            f"matches the ID photo (distance {match.distance:.3f}, limit "
            f"{cfg.face_match_max_distance:g})",
        )
    return Reason(
        "face_mismatch",
        f"與證件照不符（距離 {match.distance:.3f}，上限 {cfg.face_match_max_distance:g}）",
        f"does not match the ID photo (distance {match.distance:.3f}, limit "
        f"{cfg.face_match_max_distance:g})",
    )
