"""Bad recordings, photos and schedules: a typed error or a ``fail`` with its reason."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from brokerguard.deepfake.analysis import synthetic
from brokerguard.deepfake.analysis.decode import UnreadableMediaError
from brokerguard.deepfake.analysis.facematch import FaceCountError
from brokerguard.deepfake.analysis.pipeline import analyse_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import PayloadTooLargeError, ValidationError
from tests.deepfake.conftest import CFG, SCHEDULE, ClipMaker

pytestmark = pytest.mark.slow


def test_random_bytes_are_not_a_video(clips: ClipMaker, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).bytes(50_000))
    with pytest.raises(UnreadableMediaError):
        analyse_recording(junk, SCHEDULE, clips.photo("astronaut"), CFG)


def test_empty_file_is_refused(clips: ClipMaker, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableMediaError, match="empty"):
        analyse_recording(empty, SCHEDULE, clips.photo("astronaut"), CFG)


def test_truncated_recording_never_passes(clips: ClipMaker, tmp_path: Path) -> None:
    whole = clips.clip("rotated_face").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    try:
        report = analyse_recording(cut, SCHEDULE, clips.photo("astronaut"), CFG)
    except UnreadableMediaError as error:
        assert "cut.mp4" in error.message
    else:
        assert report.liveness == "fail"
        assert not report.automatic_pass


def test_audio_only_file_has_no_video_stream(clips: ClipMaker, tmp_path: Path) -> None:
    audio = synthetic.write_audio_only(tmp_path / "voice.m4a")
    with pytest.raises(UnreadableMediaError, match="no video stream"):
        analyse_recording(audio, SCHEDULE, clips.photo("astronaut"), CFG)


@pytest.mark.parametrize(("name", "codec"), [("zero.mp4", "libx264"), ("zero.mkv", "libvpx")])
def test_zero_frames(clips: ClipMaker, tmp_path: Path, name: str, codec: str) -> None:
    path = tmp_path / name
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=10)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()
    with pytest.raises(UnreadableMediaError, match=r"no video|not a readable video"):
        analyse_recording(path, SCHEDULE, clips.photo("astronaut"), CFG)


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"max_recording_bytes": 2048}, "bytes"),
        ({"max_recording_seconds": 3.0}, "second limit"),
        ({"max_frame_pixels": 320 * 240}, "pixel limit"),
    ],
)
def test_limits_are_settings(clips: ClipMaker, limits: dict[str, float], words: str) -> None:
    cfg = DeepfakeSettings(**limits)  # type: ignore[arg-type]
    with pytest.raises(PayloadTooLargeError, match=words):
        analyse_recording(clips.clip("still_replay"), SCHEDULE, clips.photo("astronaut"), cfg)


def test_recording_shorter_than_the_schedule_fails(clips: ClipMaker) -> None:
    late = [*SCHEDULE, ScheduledChallenge("turn_left", 30.0, 3.0)]
    report = analyse_recording(clips.clip("rotated_face"), late, clips.photo("astronaut"), CFG)
    assert report.challenges[-1].passed is False
    assert report.challenges[-1].reason.code == "recording_too_short"
    assert report.liveness == "fail"
    assert not report.automatic_pass


def test_id_photo_with_two_faces_is_refused(clips: ClipMaker) -> None:
    with pytest.raises(FaceCountError, match="2 faces"):
        analyse_recording(clips.clip("still_replay"), SCHEDULE, clips.photo("two_people"), CFG)


def test_id_photo_without_a_face_is_refused(clips: ClipMaker, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 400), (240, 240, 240)).save(blank)
    with pytest.raises(FaceCountError, match="no face"):
        analyse_recording(clips.clip("still_replay"), SCHEDULE, blank, CFG)


def test_id_photo_that_is_not_an_image(clips: ClipMaker, tmp_path: Path) -> None:
    text = tmp_path / "photo.jpg"
    text.write_text("not a picture")
    with pytest.raises(UnreadableMediaError, match="not a readable image"):
        analyse_recording(clips.clip("still_replay"), SCHEDULE, text, CFG)
    with pytest.raises(ValidationError, match="no such file"):
        analyse_recording(clips.clip("still_replay"), SCHEDULE, tmp_path / "none.png", CFG)


def test_several_faces_in_the_recording_fail(clips: ClipMaker, tmp_path: Path) -> None:
    pair = np.asarray(Image.open(clips.photo("two_people")).resize((640, 480)))
    frames = (pair for _ in range(40))
    clip = synthetic.write_clip(tmp_path / "pair.mp4", frames, fps=10)
    short = [ScheduledChallenge("blink_twice", 0.5, 2.5)]
    report = analyse_recording(clip, short, clips.photo("astronaut"), CFG)
    assert report.liveness == "fail"
    assert "several_faces" in {r.code for r in report.reasons}
