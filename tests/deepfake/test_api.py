from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.deepfake.api import get_sender
from brokerguard.staff.roles import Role
from tests.conftest import sign_in
from tests.deepfake.test_service import CapturingSender
from tests.house_helpers import switch_user
from tests.loop_guard import sql_on_event_loop
from tests.stored_audit import stored_events

API = "/api/v1/deepfake/sessions"


def test_full_session_over_http(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sender = CapturingSender()
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_sender] = lambda: sender
    sign_in(client, engine, clock, Role.security, username="op-amy")
    started = client.post(API, json={"customer_ref": "9801-000123", "purpose": "account_opening"})
    assert started.status_code == 201
    sid = started.json()["id"]
    assert len(started.json()["challenges"]) == 3
    sent = client.post(
        f"{API}/{sid}/otp", json={"channel": "sms", "registered_destination": "0912345678"}
    )
    assert sent.status_code == 200
    code = sender.sent[0][2]
    assert code not in sent.text
    wrong = client.post(f"{API}/{sid}/otp/verify", json={"code": "x"})
    assert wrong.status_code == 422
    assert wrong.json()["attempts_left"] == 4
    # the failed attempt was kept even though the answer was an error
    assert client.get(f"{API}/{sid}").json()["otp_attempts"] == 1
    assert client.post(f"{API}/{sid}/otp/verify", json={"code": code}).json()["verified"] is True
    assert client.post(f"{API}/{sid}/challenges", json={"results": [True, True]}).status_code == 422
    assert (
        client.post(f"{API}/{sid}/challenges", json={"results": [True, True, True]}).status_code
        == 200
    )
    assert client.post(f"{API}/{sid}/id-photo", json={"result": "maybe"}).status_code == 422
    assert client.post(f"{API}/{sid}/id-photo", json={"result": "match"}).status_code == 200
    uploaded = client.post(
        f"{API}/{sid}/recording", files={"file": ("v.mp4", b"\x00\x00video", "video/mp4")}
    )
    assert uploaded.json()["detector_note"] == "no score: no detector configured"
    assert uploaded.json()["detector_score"] is None
    own = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert own.status_code == 403
    switch_user(client, engine, clock, Role.security, "sec-carol")
    unanalysed = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert unanalysed.status_code == 422
    assert unanalysed.json()["error"]["field"] == "analysis"
    assert client.post(f"{API}/{sid}/analysis-override", json={"note": ""}).status_code == 422
    overridden = client.post(
        f"{API}/{sid}/analysis-override", json={"note": "錄影存於外部平台，已人工逐段檢視"}
    )
    assert overridden.json()["analysis_override_by"] == "sec-carol"
    own_override = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert own_override.status_code == 403
    switch_user(client, engine, clock, Role.compliance, "rev-ben")
    approved = client.post(f"{API}/{sid}/review", json={"decision": "approve", "note": "OK"})
    assert approved.json()["status"] == "approved"
    assert "9801-000123" in client.get(f"{API}/export?format=csv").content.decode("utf-8-sig")
    events = stored_events(engine)
    exports = [e for e in events if e.function == "deepfake.sessions.export"]
    assert exports and exports[-1].customer_ids == ("9801-000123",)
    assert exports[-1].account == "rev-ben"
    assert all(code not in (e.query or "") for e in events)
    assert client.get(f"{API}/export?format=pdf").status_code == 422


def test_missing_steps_block_approval_over_http(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security, username="op-amy")
    sid = client.post(API, json={"customer_ref": "9801-1", "purpose": "other"}).json()["id"]
    switch_user(client, engine, clock, Role.compliance, "rev-ben")
    refused = client.post(f"{API}/{sid}/review", json={"decision": "approve"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "otp"


def test_bad_input(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    assert (
        client.post(API, json={"customer_ref": "A123456789", "purpose": "other"}).status_code == 422
    )
    assert client.post(API, json={"customer_ref": "x" * 100, "purpose": "other"}).status_code == 422
    assert client.post(API, json={}).status_code == 422
    sid = client.post(API, json={"customer_ref": "9801-2", "purpose": "other"}).json()["id"]
    no_channel = client.post(
        f"{API}/{sid}/otp", json={"channel": "sms", "registered_destination": "0912345678"}
    )
    assert no_channel.status_code == 503  # no sender configured: says so, sends nothing
    assert client.post(f"{API}/{sid}/recording-digest", json={"sha256": "zz"}).status_code == 422
    assert (
        client.post(
            f"{API}/{sid}/recording-digest", json={"sha256": "a" * 64, "size": 0}
        ).status_code
        == 422
    )
    assert client.get(f"{API}/unknown").status_code == 404
    assert client.post(f"{API}/{sid}/otp/verify", json={"code": "1" * 100}).status_code == 422


def test_pages(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    token = sign_in(client, engine, clock, Role.security)
    assert client.get("/deepfake").status_code == 200
    bad = client.post(
        "/deepfake", data={"csrf_token": token, "customer_ref": "A123456789", "purpose": "other"}
    )
    assert bad.status_code == 422
    started = client.post(
        "/deepfake",
        data={"csrf_token": token, "customer_ref": "9801-3", "purpose": "other"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    page = client.get(started.headers["location"])
    assert page.status_code == 200 and "9801-3" in page.text
    sid = started.headers["location"].rsplit("/", 1)[1]
    refused = client.post(
        f"/deepfake/{sid}/review", data={"csrf_token": token, "decision": "approve"}
    )
    assert refused.status_code == 403
    bad_digest = client.post(
        f"/deepfake/{sid}/recording-digest", data={"csrf_token": token, "sha256": "xyz"}
    )
    assert bad_digest.status_code == 422
    digest = client.post(
        f"/deepfake/{sid}/recording-digest",
        data={"csrf_token": token, "sha256": "ab" * 32},
        follow_redirects=False,
    )
    assert digest.status_code == 303
    assert "ab" * 32 in client.get(f"/deepfake/{sid}").text


def test_challenge_and_recording_forms_keep_the_database_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Before, the challenge and recording forms and the recording API ran their service
    calls (and the refusal page) as blocking database calls on the event loop."""
    token = sign_in(client, engine, clock, Role.security)
    sid = client.post(API, json={"customer_ref": "9801-7", "purpose": "other"}).json()["id"]
    video = {"file": ("v.mp4", b"\x00\x00video", "video/mp4")}
    with sql_on_event_loop(engine) as on_loop:
        challenges = client.post(
            f"/deepfake/{sid}/challenges",
            data={"csrf_token": token, "c0": "pass", "c1": "pass", "c2": "fail"},
            follow_redirects=False,
        )
        recorded = client.post(
            f"/deepfake/{sid}/recording",
            data={"csrf_token": token},
            files=video,
            follow_redirects=False,
        )
        unnamed = client.post(
            f"/deepfake/{sid}/recording",
            data={"csrf_token": token},
            files={"file": ("v.mp4", b"", "video/mp4")},
        )
        again = client.post(f"{API}/{sid}/recording", files=video)
        unknown = client.post(f"/deepfake/{'0' * 36}/challenges", data={"csrf_token": token})
    assert (challenges.status_code, recorded.status_code) == (303, 303)
    assert unnamed.status_code in (413, 422) and "9801-7" in unnamed.text
    assert (again.status_code, unknown.status_code) == (200, 404)
    assert on_loop == [], on_loop


def test_session_page_shows_the_schedule_and_takes_an_override(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security, username="op-amy")
    sid = client.post(API, json={"customer_ref": "9801-77", "purpose": "other"}).json()["id"]
    schedule = client.get(f"{API}/{sid}").json()["schedule"]
    assert sorted(c["kind"] for c in schedule) == ["blink_twice", "turn_left", "turn_right"]
    page = client.get(f"/deepfake/{sid}")
    assert "錄影自動分析" in page.text and "尚未自動分析。" in page.text
    assert "請眨眼兩次" in page.text
    token = switch_user_token(client, engine, clock, "sec-carol")
    short = client.post(
        f"/deepfake/{sid}/analysis-override", data={"csrf_token": token, "note": "ok"}
    )
    assert short.status_code == 422
    done = client.post(
        f"/deepfake/{sid}/analysis-override",
        data={"csrf_token": token, "note": "錄影存於外部平台，已人工逐段檢視"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "第二覆核人書面覆核" in done.text and "sec-carol" in done.text


def switch_user_token(client: TestClient, engine: Engine, clock: FixedClock, name: str) -> str:
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    return sign_in(client, engine, clock, Role.security, username=name)
