"""Calibration over the firm's own labelled recordings: error rates at each threshold.

The folder holds the recordings, the ID photos and ``labels.json``::

    [{"recording": "a.mp4", "id_photo": "a.jpg", "label": "live" | "attack",
      "same_person": true | false, "challenges": [{"kind", "at", "window"}]}]

Each recording is analysed once with the current settings; the decisions are then
recomputed from the stored measures for every candidate threshold, so the firm sees
APCER (attacks accepted), BPCER (live customers refused), FMR and FNMR (face match)
before it changes a setting. Synthetic clips can exercise this command; only real,
labelled recordings can set thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brokerguard.deepfake.analysis.pipeline import AnalysisReport, analyse_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge, parse_schedule
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import BrokerguardError, ValidationError

MANIFEST = "labels.json"
MAX_ITEMS = 10_000
LABELS = ("live", "attack")
YAW_STEPS = (5.0, 7.5, 10.0, 12.5, 15.0, 20.0, 25.0)
PARALLAX_STEPS = (0.01, 0.02, 0.03, 0.035, 0.05, 0.07, 0.1)
DISTANCE_STEPS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)

Analyser = Callable[[Path, Sequence[ScheduledChallenge], Path, DeepfakeSettings], AnalysisReport]


@dataclass(frozen=True)
class LabelledRecording:
    recording: Path
    id_photo: Path
    live: bool
    same_person: bool
    schedule: list[ScheduledChallenge]


def _inside(folder: Path, name: object, index: int, field: str) -> Path:
    if not isinstance(name, str) or not name or len(name) > 255:
        raise ValidationError(f"item {index}: {field} must be a file name", field=field)
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents:
        raise ValidationError(f"item {index}: {field} must lie inside the folder", field=field)
    if not path.is_file():
        raise ValidationError(f"item {index}: no such file {name!r}", field=field)
    return path


def load_manifest(folder: Path) -> list[LabelledRecording]:
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder", field="folder")
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ValidationError(f"the folder has no {MANIFEST}", field="folder")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(f"{MANIFEST} is not JSON: {error}", field="labels") from None
    if not isinstance(data, list) or not data:
        raise ValidationError(f"{MANIFEST} must be a non-empty JSON list", field="labels")
    if len(data) > MAX_ITEMS:
        raise ValidationError(f"at most {MAX_ITEMS} recordings", field="labels")
    items = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise ValidationError(f"item {index} must be an object", field="labels")
        if item.get("label") not in LABELS:
            raise ValidationError(f"item {index}: label must be live or attack", field="label")
        same = item.get("same_person", True)
        if not isinstance(same, bool):
            raise ValidationError(
                f"item {index}: same_person must be true or false", field="same_person"
            )
        items.append(
            LabelledRecording(
                recording=_inside(folder, item.get("recording"), index, "recording"),
                id_photo=_inside(folder, item.get("id_photo"), index, "id_photo"),
                live=item["label"] == "live",
                same_person=same,
                schedule=parse_schedule(item.get("challenges")),
            )
        )
    return items


@dataclass(frozen=True)
class Measured:
    item: LabelledRecording
    report: AnalysisReport


def _live_at(report: AnalysisReport, cfg: DeepfakeSettings, yaw: float, parallax: float) -> bool:
    """The liveness decision again, with other turn thresholds (blinks as measured)."""
    if report.face_found_ratio < cfg.min_face_ratio or report.replay_suspected_by_moire:
        return False
    for result in report.challenges:
        measure = result.measure
        if result.challenge.kind == "blink_twice" or "yaw_change_deg" not in measure:
            if not result.passed:
                return False
            continue
        if measure["yaw_change_deg"] < yaw or measure["planar_parallax"] < parallax:
            return False
    return True


def _rate(hits: int, total: int) -> float | None:
    return None if total == 0 else round(hits / total, 4)


def _liveness_rates(
    measured: Sequence[Measured], cfg: DeepfakeSettings, yaw: float, parallax: float
) -> dict[str, Any]:
    live = [m for m in measured if m.item.live]
    attacks = [m for m in measured if not m.item.live]
    return {
        "turn_min_yaw_deg": yaw,
        "turn_min_parallax": parallax,
        "apcer": _rate(sum(_live_at(m.report, cfg, yaw, parallax) for m in attacks), len(attacks)),
        "bpcer": _rate(sum(not _live_at(m.report, cfg, yaw, parallax) for m in live), len(live)),
    }


def _match_rates(measured: Sequence[Measured], distance: float) -> dict[str, Any]:
    pairs = [m for m in measured if m.report.face_match.distance is not None]
    same = [m for m in pairs if m.item.same_person]
    other = [m for m in pairs if not m.item.same_person]

    def matched(m: Measured) -> bool:
        value = m.report.face_match.distance
        return value is not None and value <= distance

    return {
        "face_match_max_distance": distance,
        "fmr": _rate(sum(matched(m) for m in other), len(other)),
        "fnmr": _rate(sum(not matched(m) for m in same), len(same)),
        "no_face_compared": len(measured) - len(pairs),
    }


def calibrate(
    folder: Path, cfg: DeepfakeSettings, analyser: Analyser = analyse_recording
) -> dict[str, Any]:
    items = load_manifest(folder)
    measured: list[Measured] = []
    errors: list[dict[str, str]] = []
    for item in items:
        try:
            measured.append(
                Measured(item, analyser(item.recording, item.schedule, item.id_photo, cfg))
            )
        except BrokerguardError as error:
            errors.append({"recording": item.recording.name, "error": error.message})
    return {
        "recordings": len(items),
        "analysed": len(measured),
        "live": sum(1 for m in measured if m.item.live),
        "attack": sum(1 for m in measured if not m.item.live),
        "errors": errors,
        "current": {
            **_liveness_rates(measured, cfg, cfg.turn_min_yaw_deg, cfg.turn_min_parallax),
            **_match_rates(measured, cfg.face_match_max_distance),
        },
        "liveness_sweep": [
            _liveness_rates(measured, cfg, yaw, parallax)
            for yaw in YAW_STEPS
            for parallax in PARALLAX_STEPS
        ],
        "face_match_sweep": [_match_rates(measured, d) for d in DISTANCE_STEPS],
        "note": "rates on the firm's labelled recordings; set thresholds only from real ones",
    }
