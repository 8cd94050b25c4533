"""``brokerguard deepfake calibrate``: rates over a labelled folder; bad manifests refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brokerguard.cli.main import app
from brokerguard.deepfake.analysis.calibration import calibrate, load_manifest
from brokerguard.errors import ValidationError
from tests.deepfake.conftest import CFG, SCHEDULE, ClipMaker


def labelled_folder(clips: ClipMaker, folder: Path) -> Path:
    for name in ("rotated_face", "still_replay", "tilted_photo"):
        shutil.copy(clips.clip(name), folder / f"{name}.mp4")
    for name in ("astronaut", "grace_hopper"):
        shutil.copy(clips.photo(name), folder / f"{name}.png")
    schedule = [c.to_dict() for c in SCHEDULE]

    def item(recording: str, photo: str, label: str, same: bool = True) -> dict[str, object]:
        return {
            "recording": f"{recording}.mp4",
            "id_photo": f"{photo}.png",
            "label": label,
            "same_person": same,
            "challenges": schedule,
        }

    labels = [
        item("rotated_face", "astronaut", "live"),
        item("rotated_face", "grace_hopper", "live", same=False),
        item("still_replay", "astronaut", "attack"),
        item("tilted_photo", "astronaut", "attack"),
    ]
    (folder / "labels.json").write_text(json.dumps(labels))
    return folder


@pytest.mark.slow
def test_rates_on_a_labelled_folder(clips: ClipMaker, tmp_path: Path) -> None:
    folder = labelled_folder(clips, tmp_path)
    result = calibrate(folder, CFG)
    assert (result["recordings"], result["analysed"], result["live"], result["attack"]) == (
        4,
        4,
        2,
        2,
    )
    current = result["current"]
    assert current["apcer"] == 0.0  # neither photo attack passes
    assert current["bpcer"] == 0.0  # the rotated face passes against both photos
    assert current["fmr"] == 0.0 and current["fnmr"] == 0.0
    # a parallax threshold of 0.01 still stops the photos; a huge yaw threshold refuses all
    loose = next(
        r
        for r in result["liveness_sweep"]
        if r["turn_min_parallax"] == 0.01 and r["turn_min_yaw_deg"] == 10.0
    )
    assert loose["apcer"] == 0.0
    strict = next(r for r in result["liveness_sweep"] if r["turn_min_yaw_deg"] == 25.0)
    assert strict["bpcer"] == 1.0
    cli = CliRunner().invoke(app, ["deepfake", "calibrate", str(folder), "--json"])
    assert cli.exit_code == 0
    assert json.loads(cli.stdout)["current"] == current


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no labels.json"),
        ("{", "not JSON"),
        ("[]", "non-empty"),
        ('[{"label": "maybe"}]', "label must be"),
        ('[{"label": "live", "recording": "../x.mp4", "id_photo": "p.png"}]', "inside the folder"),
        ('[{"label": "live", "recording": "none.mp4", "id_photo": "p.png"}]', "no such file"),
        ('[{"label": "live", "same_person": "yes"}]', "true or false"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, content: str | None, words: str) -> None:
    if content is not None:
        (tmp_path / "labels.json").write_text(content)
    (tmp_path / "p.png").write_bytes(b"x")
    with pytest.raises(ValidationError, match=words):
        load_manifest(tmp_path)
    result = CliRunner().invoke(app, ["deepfake", "calibrate", str(tmp_path), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "invalid_input"
