"""``brokerguard deepfake analyze``: the JSON contract and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brokerguard.cli.main import app
from tests.deepfake.conftest import SCHEDULE, ClipMaker

pytestmark = pytest.mark.slow


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "challenges.json"
    path.write_text(json.dumps([c.to_dict() for c in SCHEDULE]))
    return path


def analyze(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["deepfake", "analyze", *args])
    return result.exit_code, result.stdout


def test_json_output_follows_the_contract(clips: ClipMaker, schedule_file: Path) -> None:
    code, out = analyze(
        str(clips.clip("still_replay")),
        "--challenges",
        str(schedule_file),
        "--id-photo",
        str(clips.photo("astronaut")),
        "--json",
    )
    assert code == 0  # the analysis ran; its verdict is in the output
    data = json.loads(out)
    assert {
        "frames",
        "duration_s",
        "face_found_ratio",
        "challenges",
        "liveness",
        "replay_suspected",
        "reasons",
        "face_match",
    } <= set(data)
    assert data["liveness"] == "fail"
    assert [c["kind"] for c in data["challenges"]] == [c.kind for c in SCHEDULE]
    for challenge in data["challenges"]:
        assert set(challenge) >= {"kind", "at", "passed", "measure"}
        assert challenge["passed"] is False
    assert set(data["face_match"]) >= {"distance", "same_person"}
    assert data["face_match"]["same_person"] is True
    assert all(r["zh"] and r["en"] for r in data["reasons"])


def test_unreadable_video_exits_2_with_an_error_object(
    clips: ClipMaker, schedule_file: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.webm"
    junk.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 4000)
    code, out = analyze(
        str(junk),
        "--challenges",
        str(schedule_file),
        "--id-photo",
        str(clips.photo("astronaut")),
        "--json",
    )
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "unreadable_media"
    assert "junk.webm" in error["message"]


def test_unreadable_photo_and_bad_schedule_exit_2(
    clips: ClipMaker, schedule_file: Path, tmp_path: Path
) -> None:
    not_image = tmp_path / "id.png"
    not_image.write_bytes(b"GIF89a broken")
    code, out = analyze(
        str(clips.clip("still_replay")),
        "--challenges",
        str(schedule_file),
        "--id-photo",
        str(not_image),
        "--json",
    )
    assert code == 2
    assert json.loads(out)["error"]["field"] == "id_photo"
    bad = tmp_path / "bad.json"
    bad.write_text('[{"kind": "nod", "at": 1, "window": 2}]')
    code, out = analyze(
        str(clips.clip("still_replay")),
        "--challenges",
        str(bad),
        "--id-photo",
        str(clips.photo("astronaut")),
    )
    assert code == 2
    assert out == ""  # without --json the message goes to stderr
