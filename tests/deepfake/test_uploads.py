"""Issue 19: a recording uploaded for a session is checked, stored, analysed by the worker
job against the session's own schedule and kept as A10.1 evidence on the session."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory, session_scope
from brokerguard.deepfake import service, uploads
from brokerguard.deepfake.analysis import synthetic
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.jobs import JOBS
from brokerguard.deepfake.models import RecordingUpload, VideoSession
from brokerguard.evidence.service import evidence_for
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.deepfake.conftest import SCHEDULE, ClipMaker
from tests.deepfake.test_automatic import cached_analyser
from tests.deepfake.test_service import manual_steps
from tests.house_helpers import switch_user
from tests.loop_guard import sql_on_event_loop
from tests.worker.helpers import run_job

pytestmark = pytest.mark.slow

API = "/api/v1/deepfake/sessions"
MP4 = "video/mp4"


def start(engine: Engine, clock: FixedClock, *, steps: bool = True) -> str:
    """A session on the synthetic clips' schedule, every manual step done but the recording."""
    with session_scope(session_factory(engine)) as session:
        row = service.start_session(
            session,
            clock,
            customer_ref="9801-246810",
            purpose="account_opening",
            operator="op-amy",
            schedule=SCHEDULE,
        )
        if steps:
            manual_steps(session, clock, row)
        return row.id


def files(
    recording: bytes, photo: bytes, name: str = "call.mp4"
) -> dict[str, tuple[str, bytes, str]]:
    return {"recording": (name, recording, MP4), "id_photo": ("id.png", photo, "image/png")}


def post_clip(client: TestClient, clips: ClipMaker, sid: str, kind: str) -> httpx.Response:
    """Upload the synthetic clip ``kind`` with the astronaut's photo as the ID photo."""
    photo = clips.photo("astronaut").read_bytes()
    answer: httpx.Response = client.post(
        f"{API}/{sid}/analysis", files=files(clips.clip(kind).read_bytes(), photo)
    )
    return answer


def unit_of_work(engine: Engine) -> AbstractContextManager[Session]:
    return session_scope(session_factory(engine))


def analyse_queue(engine: Engine, clock: FixedClock, settings: Settings) -> uploads.Processed:
    return uploads.analyse_pending(
        lambda: unit_of_work(engine),
        clock,
        settings,
        lease_s=60,
        budget_s=600,
        analyser=cached_analyser,
    )


def stored_files(settings: Settings | Path) -> list[Path]:
    data_dir = settings if isinstance(settings, Path) else Path(settings.data_dir)
    root = data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(RecordingUpload)) or 0


def get_row(engine: Engine, sid: str) -> VideoSession:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(VideoSession, sid)
        assert row is not None
        return row


def test_upload_is_analysed_by_the_worker_job_and_kept_as_a10_1_evidence(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    recording = clips.clip("rotated_face").read_bytes()
    photo = clips.photo("astronaut").read_bytes()
    queued = client.post(f"{API}/{sid}/analysis", files=files(recording, photo))
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["upload"]["state"] == "pending"
    assert body["upload"]["recording_format"] == "mp4"
    assert body["upload"]["recording_duration_s"] == pytest.approx(10.0, abs=0.2)
    assert body["analysis"] is None and body["analysis_verdict"] is None
    digest = body["upload"]["recording_sha256"]
    assert client.get(f"{API}/{sid}").json()["recording_sha256"] == digest
    # the recording and the photo are in the evidence store's files, by SHA-256
    names = {p.name for p in stored_files(settings)}
    assert {digest, body["upload"]["id_photo_sha256"]} <= names
    page = client.get(f"/deepfake/{sid}")
    assert "等待分析" in page.text and digest in page.text

    outcome = run_job(JOBS[0], settings, clock)  # the worker's job, with the real analyser
    assert outcome.figures == {"done": 1, "failed": 0, "superseded": 0}
    assert run_job(JOBS[0], settings, clock).skipped  # nothing left: idempotent

    done = client.get(f"{API}/{sid}/analysis").json()
    assert done["upload"]["state"] == "done"
    assert done["analysis_verdict"] == "pass"
    report = done["analysis"]["report"]
    assert [c["kind"] for c in report["challenges"]] == [c.kind for c in SCHEDULE]
    assert all(c["passed"] for c in report["challenges"])
    assert report["challenges"][0]["measure"]["measure"] == "yaw_change_deg+planar_parallax"
    assert report["recording_sha256"] == digest
    assert "landmarks" in done["analysis"]["model_versions"]
    with Session(engine) as session:
        [evidence] = evidence_for(session, "A10.1")
    assert evidence.kind == "video_analysis"
    assert done["analysis"]["evidence_ref"] == evidence.reference

    page = client.get(f"/deepfake/{sid}").text
    assert "分析完成" in page and "自動分析通過" in page and digest in page
    english = client.get(f"/deepfake/{sid}?lang=en").text
    assert "analysed" in english and "automatic pass" in english
    # approve(): the automatic pass counts; the reviewer is still another person
    switch_user(client, engine, clock, Role.security, "sec-carol")
    approved = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert approved.status_code == 200, approved.text
    # a second upload after approval: 409, nothing stored
    before = (stored_files(settings), upload_rows(engine))
    again = client.post(f"{API}/{sid}/analysis", files=files(recording[:-1] + b"\x00", photo))
    assert again.status_code == 409
    assert (stored_files(settings), upload_rows(engine)) == before


def test_a_second_upload_replaces_the_first_before_approval(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    assert post_clip(client, clips, sid, "still_replay").status_code == 202
    assert analyse_queue(engine, clock, settings).failed == 0
    assert client.get(f"{API}/{sid}/analysis").json()["analysis_verdict"] == "fail"
    clock.advance(timedelta(minutes=1))
    # the name and the content type are the sender's: neither is trusted nor kept
    hostile = files(
        clips.clip("rotated_face").read_bytes(),
        clips.photo("astronaut").read_bytes(),
        name="../../etc/passwd\x00.exe",
    )
    hostile["recording"] = (*hostile["recording"][:2], "text/html")
    second = client.post(f"{API}/{sid}/analysis", files=hostile)
    assert second.status_code == 202, second.text
    assert second.json()["upload"]["recording_format"] == "mp4"
    assert "passwd" not in second.text
    # the earlier verdict no longer counts; the earlier upload is kept, superseded
    assert second.json()["analysis_verdict"] is None
    with Session(engine) as session:
        states = [u.state for u in uploads.uploads_of(session, sid)]
    assert states == ["pending", "superseded"]
    assert analyse_queue(engine, clock, settings).done == 1
    assert client.get(f"{API}/{sid}/analysis").json()["analysis_verdict"] == "pass"


def test_an_upload_replaced_while_it_runs_keeps_no_result(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    assert post_clip(client, clips, sid, "rotated_face").status_code == 202
    with unit_of_work(engine) as session:
        claim = uploads.claim_next(session, clock, 60)
    assert claim is not None and claim.attempt == 1
    clock.advance(timedelta(seconds=5))
    assert post_clip(client, clips, sid, "still_replay").status_code == 202
    result = uploads._analyse(settings, claim, cached_analyser)
    with unit_of_work(engine) as session:
        assert uploads._finish(session, clock, settings, claim, result) == "superseded"
    assert get_row(engine, sid).analysis_verdict is None


def test_a_dead_worker_s_upload_is_taken_again_then_failed(
    client: TestClient, engine: Engine, clock: FixedClock, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    assert post_clip(client, clips, sid, "no_face").status_code == 202
    attempts = []
    for _ in range(uploads.MAX_ATTEMPTS):
        with unit_of_work(engine) as session:
            claim = uploads.claim_next(session, clock, 60)
            assert uploads.claim_next(session, clock, 60) is None  # leased: not taken twice
        assert claim is not None
        attempts.append(claim.attempt)
        clock.advance(timedelta(seconds=61))  # the worker died: the lease passes
    assert attempts == [1, 2, 3]
    with unit_of_work(engine) as session:
        assert uploads.claim_next(session, clock, 60) is None
    state = client.get(f"{API}/{sid}/analysis").json()["upload"]
    assert state["state"] == "failed"
    assert state["error"]["code"] == "analysis_unfinished"


def test_an_id_photo_without_a_face_fails_the_upload_with_its_reason(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    noise = io.BytesIO()
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(
        noise, format="PNG"
    )
    queued = client.post(
        f"{API}/{sid}/analysis",
        files=files(clips.clip("rotated_face").read_bytes(), noise.getvalue()),
    )
    assert queued.status_code == 202
    processed = uploads.analyse_pending(
        lambda: unit_of_work(engine), clock, settings, lease_s=60, budget_s=600
    )
    assert processed.failed == 1
    state = client.get(f"{API}/{sid}/analysis").json()
    assert state["upload"]["error"]["code"] == "face_count"
    assert state["analysis_verdict"] is None
    page = client.get(f"/deepfake/{sid}").text
    assert "無法分析" in page and "face_count" in page
    # approve() still needs an automatic pass or a second reviewer's override
    switch_user(client, engine, clock, Role.security, "sec-carol")
    refused = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "analysis"


def _zero_frames(folder: Path) -> bytes:
    path = folder / "zero.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=10)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()
    return path.read_bytes()


@pytest.fixture
def bad_inputs(
    clips: ClipMaker, tmp_path: Path
) -> Iterator[dict[str, tuple[bytes, bytes, int, str, str]]]:
    """name: (recording, photo, status, error code, field)."""
    good = clips.clip("rotated_face").read_bytes()
    photo = clips.photo("astronaut").read_bytes()
    short_schedule = [ScheduledChallenge("turn_left", 1.0, 2.0)]
    short = synthetic.make_clip(tmp_path / "short.mp4", "no_face", short_schedule, fps=10)
    audio = synthetic.write_audio_only(tmp_path / "voice.m4a").read_bytes()
    yield {
        "empty": (b"", photo, 422, "invalid_input", "recording"),
        "text named .mp4": (
            b"hello, this is not a video",
            photo,
            415,
            "unsupported_type",
            "recording",
        ),
        "html": (
            b"<html><script>alert(1)</script></html>",
            photo,
            415,
            "unsupported_type",
            "recording",
        ),
        "ftyp junk": (
            b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000,
            photo,
            422,
            "unreadable_media",
            "recording",
        ),
        "truncated": (good[: len(good) // 2], photo, 422, "unreadable_media", "recording"),
        "audio only": (audio, photo, 422, "unreadable_media", "recording"),
        "zero frames": (_zero_frames(tmp_path), photo, 422, "unreadable_media", "recording"),
        "shorter than the schedule": (
            short.read_bytes(),
            photo,
            422,
            "recording_too_short",
            "recording",
        ),
        "photo empty": (good, b"", 422, "invalid_input", "id_photo"),
        "photo not an image": (good, b"GIF89a not a png", 415, "unsupported_type", "id_photo"),
        "photo cut off": (good, photo[:200], 422, "unreadable_media", "id_photo"),
    }


def test_bad_uploads_are_refused_with_typed_errors_and_nothing_stored(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    bad_inputs: dict[str, tuple[bytes, bytes, int, str, str]],
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    for name, (recording, photo, status, code, field) in bad_inputs.items():
        answer = client.post(f"{API}/{sid}/analysis", files=files(recording, photo))
        assert answer.status_code == status, (name, answer.text)
        assert answer.json()["error"]["code"] == code, name
        assert answer.json()["error"]["field"] == field, name
    missing = client.post(f"{API}/{sid}/analysis", files={"recording": ("a.mp4", b"x", MP4)})
    assert missing.status_code == 422 and "id_photo" in missing.text
    assert stored_files(settings) == [] and upload_rows(engine) == 0
    assert get_row(engine, sid).recording_sha256 is None
    assert client.post(f"{API}/unknown-id/analysis", files=files(b"x", b"y")).status_code == 404


def test_recording_limits_are_settings(
    client: TestClient, engine: Engine, clock: FixedClock, tmp_path: Path, clips: ClipMaker
) -> None:
    from brokerguard.web.app import create_app

    photo = clips.photo("astronaut").read_bytes()
    recording = clips.clip("rotated_face").read_bytes()
    limits_and_words = (
        ({"max_recording_bytes": 4096}, "bytes"),
        ({"max_recording_seconds": 5.0}, "second limit"),
        ({"max_frame_pixels": 320 * 240}, "pixel limit"),
    )
    for index, (limits, words) in enumerate(limits_and_words):
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            data_dir=tmp_path / "var",
            deepfake=limits,
        )
        with TestClient(
            create_app(settings, engine=engine, clock=clock), base_url="http://127.0.0.1"
        ) as small:
            sid = start(engine, clock, steps=False)
            sign_in(small, engine, clock, Role.security, username=f"op-{index}")
            answer = small.post(f"{API}/{sid}/analysis", files=files(recording, photo))
            assert answer.status_code == 413, answer.text
            assert words in answer.json()["error"]["message"]
    assert stored_files(tmp_path / "var") == []


def test_a_recording_digest_from_the_video_platform_is_not_replaced(
    client: TestClient, engine: Engine, clock: FixedClock, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    sign_in(client, engine, clock, Role.security, username="op-amy")
    assert (
        client.post(f"{API}/{sid}/recording-digest", json={"sha256": "ab" * 32}).status_code == 200
    )
    answer = post_clip(client, clips, sid, "rotated_face")
    assert answer.status_code == 409 and answer.json()["error"]["field"] == "recording"


def test_upload_from_the_session_page_and_refused_roles_keep_the_page(
    client: TestClient, engine: Engine, clock: FixedClock, clips: ClipMaker
) -> None:
    sid = start(engine, clock)
    recording = clips.clip("rotated_face").read_bytes()
    photo = clips.photo("astronaut").read_bytes()
    token = sign_in(client, engine, clock, Role.auditor, username="aud-ann")
    page = client.get(f"/deepfake/{sid}").text
    assert f'action="/deepfake/{sid}/analysis"' not in page  # no form for a refused role
    with sql_on_event_loop(engine) as refused_on_loop:
        refused = client.post(
            f"/deepfake/{sid}/analysis", data={"csrf_token": token}, files=files(recording, photo)
        )
        assert refused.status_code == 403
        assert "您的角色不得上傳錄影進行分析" in refused.text and "9801-246810" in refused.text
        english = client.post(
            f"/deepfake/{sid}/analysis?lang=en",
            data={"csrf_token": token},
            files=files(recording, photo),
        )
        assert "Your role may not upload recordings for analysis" in english.text
    assert upload_rows(engine) == 0

    switch_user(client, engine, clock, Role.compliance, "comp-ben")
    token = client.headers["X-CSRF-Token"]
    assert f'action="/deepfake/{sid}/analysis"' in client.get(f"/deepfake/{sid}?lang=zh-TW").text
    with sql_on_event_loop(engine) as on_loop:
        bad = client.post(
            f"/deepfake/{sid}/analysis",
            data={"csrf_token": token},
            files=files(b"not a video", photo),
        )
        assert bad.status_code == 415
        assert "檔案內容不是可接受的影片或照片格式" in bad.text and "9801-246810" in bad.text
        done = client.post(
            f"/deepfake/{sid}/analysis",
            data={"csrf_token": token},
            files=files(recording, photo),
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    assert refused_on_loop + on_loop == []  # the page's database work ran off the event loop
    assert "等待分析" in client.get(f"/deepfake/{sid}").text
