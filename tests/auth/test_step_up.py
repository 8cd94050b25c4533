"""Pentest finding 2: a stolen customer session became a permanent takeover.

Was: with only the bearer token, ``/enroll/totp`` 200 and ``/enroll/totp/confirm`` 204
with no re-authentication; then the recovery with the new TOTP reset the password,
and the victim's sessions stayed valid after the reset and after a password change.
Now credential changes need a fresh step-up (password + an enrolled factor, 5 min), a
factor younger than 7 days cannot recover, and a reset or a change ends the other
sessions and queues a notice to the customer.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.notify.models import NotifyNotice
from tests.auth.helpers import PASSWORD
from tests.auth.test_api import LOGIN, code, make_customer, session_for, step_up

API = "/api/v1/etrade"
NEW_PASSWORD = "Thief-chosen-7788"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _notices(engine: Engine) -> list[NotifyNotice]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(NotifyNotice).order_by(NotifyNotice.queued_at)))


def test_stolen_session_cannot_enrol_or_change_credentials(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    stolen = _bearer(session_for(client, seed, clock))
    for path, body in (
        ("/enroll/totp", {"device_id": "thief-phone"}),
        ("/enroll/totp/confirm", {"factor_id": "x", "code": "123456"}),
        ("/enroll/device", {"device_id": "thief", "public_key": "x"}),
        ("/password/change", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ):
        refused = client.post(API + path, json=body, headers=stolen)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"] == "step_up_required"
    # the password alone is not a step-up
    started = client.post(API + "/step-up", json={"password": PASSWORD}, headers=stolen)
    assert started.status_code == 200 and started.json()["next_factors"] == ["totp"]
    assert client.post(API + "/enroll/totp", json={}, headers=stolen).status_code == 403


def test_step_up_guesses_count_on_the_lock_counter(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """Low finding: the session holder had a password oracle. Now 5 wrong guesses lock."""
    seed = make_customer(engine, clock, settings)
    stolen = _bearer(session_for(client, seed, clock))
    answers = [
        client.post(API + "/step-up", json={"password": f"Guess-{i}-xx"}, headers=stolen)
        for i in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [423]
    changed = [
        client.post(
            API + "/password/change",
            json={"current_password": "Guess-x", "new_password": NEW_PASSWORD},
            headers=stolen,
        ).status_code
    ]
    assert changed == [403]
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 423


def test_step_up_expires_after_five_minutes(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    bearer = _bearer(session_for(client, seed, clock))
    step_up(client, bearer, seed, clock)
    assert client.post(API + "/enroll/totp", json={}, headers=bearer).status_code == 200
    clock.advance(timedelta(seconds=301))
    late = client.post(API + "/enroll/totp", json={}, headers=bearer)
    assert late.status_code == 403 and late.json()["error"] == "step_up_required"


def test_a_new_factor_cannot_recover_the_account(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """The takeover chain of the report, even with a step-up: the thief's fresh TOTP
    does not open the recovery."""
    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(days=30))
    bearer = _bearer(session_for(client, seed, clock))
    step_up(client, bearer, seed, clock)
    enrol = client.post(API + "/enroll/totp", json={"device_id": "thief"}, headers=bearer).json()
    thief_seed = pyotp.parse_uri(enrol["otpauth_uri"]).secret
    confirmed = client.post(
        API + "/enroll/totp/confirm",
        json={"factor_id": enrol["factor_id"], "code": code(thief_seed, clock)},
        headers=bearer,
    )
    assert confirmed.status_code == 204
    clock.advance(timedelta(days=1))
    token = client.post(API + "/recovery/start", json={"account": "A100200"}).json()["login_token"]
    refused = client.post(
        API + "/recovery/factor",
        json={"login_token": token, "type": "totp", "code": code(thief_seed, clock)},
    )
    assert refused.status_code == 401 and refused.json()["error"] == "factor_too_new"
    done = client.post(
        API + "/recovery/password", json={"login_token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 401
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 200


def test_recovery_ends_every_session_and_tells_the_customer(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(days=8))
    victim = _bearer(session_for(client, seed, clock))
    clock.advance(timedelta(seconds=30))
    token = client.post(API + "/recovery/start", json={"account": "A100200"}).json()["login_token"]
    proved = client.post(
        API + "/recovery/factor",
        json={"login_token": token, "type": "totp", "code": code(seed, clock)},
    )
    assert proved.status_code == 200
    done = client.post(
        API + "/recovery/password", json={"login_token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    assert client.get(API + "/session", headers=victim).status_code == 401
    (notice,) = _notices(engine)
    assert notice.kind == "customer_security" and "A100200" in notice.details
    assert "reset" in notice.title_en and NEW_PASSWORD not in notice.summary


def test_password_change_ends_the_other_sessions_and_tells_the_customer(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    other = _bearer(session_for(client, seed, clock))
    clock.advance(timedelta(seconds=30))
    mine = _bearer(session_for(client, seed, clock))
    step_up(client, mine, seed, clock)
    changed = client.post(
        API + "/password/change",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=mine,
    )
    assert changed.status_code == 204
    assert client.get(API + "/session", headers=other).status_code == 401
    assert client.get(API + "/session", headers=mine).status_code == 200
    (notice,) = _notices(engine)
    assert '"sessions_ended": 1' in notice.details


def test_customer_lists_and_revokes_their_sessions(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    make_customer(engine, clock, settings, "A100300")
    first = _bearer(session_for(client, seed, clock))
    clock.advance(timedelta(seconds=30))
    second = _bearer(session_for(client, seed, clock))
    listed = client.get(API + "/sessions", headers=second)
    assert listed.status_code == 200
    sessions = listed.json()["sessions"]
    assert [s["current"] for s in sessions] == [True, False]
    older = sessions[1]["id"]
    assert client.post(API + f"/sessions/{older}/revoke", headers=second).status_code == 204
    assert client.get(API + "/session", headers=first).status_code == 401
    again = client.post(API + f"/sessions/{older}/revoke", headers=second)
    assert again.status_code == 404
    assert client.post(API + "/sessions/nope/revoke", headers=second).status_code == 404
    assert client.get(API + "/sessions").status_code == 401


def test_customer_removes_a_factor_after_step_up(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    bearer = _bearer(session_for(client, seed, clock))
    (live,) = client.get(API + "/sessions", headers=bearer).json()["sessions"]
    assert live["factors_used"] == ["password", "totp"]
    enrol = client.post(API + "/enroll/totp", json={}, headers=bearer)
    assert enrol.status_code == 403
    step_up(client, bearer, seed, clock)
    pending = client.post(API + "/enroll/totp", json={"device_id": "tablet"}, headers=bearer)
    factor_id = pending.json()["factor_id"]
    removed = client.post(API + f"/factors/{factor_id}/remove", headers=bearer)
    assert removed.status_code == 200 and removed.json()["status"] == "revoked"
    assert client.post(API + "/factors/nope/remove", headers=bearer).status_code == 404
    assert [n.details.count("factor_removed") for n in _notices(engine)] == [1]


def test_wrong_current_passwords_lock_the_account(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """Low finding: ``/password/change`` was a password oracle for a session holder.
    After a step-up, wrong ``current_password`` guesses count: the 5th locks."""
    seed = make_customer(engine, clock, settings)
    bearer = _bearer(session_for(client, seed, clock))
    step_up(client, bearer, seed, clock)
    answers = [
        client.post(
            API + "/password/change",
            json={"current_password": f"Guess-{i}-xx", "new_password": NEW_PASSWORD},
            headers=bearer,
        ).status_code
        for i in range(6)
    ]
    assert answers == [401] * 5 + [423]
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 423
