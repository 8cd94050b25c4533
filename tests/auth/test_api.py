"""The interface contract of ``/api/v1/etrade`` and its answers to bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.auth.api import get_auth_settings
from brokerguard.auth.lifecycle import CredentialService
from brokerguard.auth.passwords import PasswordPolicy
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.settings import AuthSettings
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.staff.roles import Role
from brokerguard.web.deps import app_context
from tests.auth.helpers import META, PASSWORD
from tests.conftest import sign_in
from tests.stored_audit import stored_events

LOGIN = "/api/v1/etrade/login"
FACTOR = "/api/v1/etrade/login/factor"


def make_customer(
    engine: Engine, clock: FixedClock, settings: Settings, account: str = "A100200"
) -> str:
    auth = AuthSettings()
    with session_factory(engine)() as s:
        creds = CredentialService(
            session=s,
            clock=clock,
            sink=MemoryAuditSink(),
            auth=auth,
            secrets=SecretBox(settings.data_dir, 1),
            policy=PasswordPolicy.from_settings(auth),
        )
        customer = creds.create_customer(account, PASSWORD, META)
        uri = creds.enroll_totp(customer, META, device_id="phone-1", activate=True).uri
        s.commit()
    return str(pyotp.parse_uri(uri).secret)


def code(seed: str, clock: FixedClock) -> str:
    return str(pyotp.TOTP(seed).at(clock.now()))


def sink(client: TestClient) -> MemoryAuditSink:
    """The events the app stored in the audit trail, oldest first."""
    stored = MemoryAuditSink()
    stored.events.extend(stored_events(app_context(client.app).engine))  # type: ignore[arg-type]
    return stored


def test_contract_two_step_login(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    first = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD})
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body) >= {"login_token", "next_factors"} and body["next_factors"] == ["totp"]
    assert "session_token" not in body
    second = client.post(
        FACTOR, json={"login_token": body["login_token"], "type": "totp", "code": code(seed, clock)}
    )
    assert second.status_code == 200, second.text
    done = second.json()
    assert done["factors_used"] == ["password", "totp"] and done["expires_at"]
    token = done["session_token"]
    info = client.get("/api/v1/etrade/session", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200 and info.json()["account"] == "A100200"
    assert (
        client.post(
            "/api/v1/etrade/session/revoke", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )
    assert (
        client.get(
            "/api/v1/etrade/session", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    functions = [e.function for e in sink(client).events]
    assert functions == [
        "etrade.login.password",
        "etrade.login.factor",
        "etrade.session.issue",
        "etrade.session.revoke",
    ]
    first_event = sink(client).events[0]
    assert first_event.system == "brokerguard-etrade"
    assert first_event.query == "POST /api/v1/etrade/login"
    assert first_event.customer_ids == ("A100200",)
    assert first_event.correlation_id == sink(client).events[1].correlation_id
    dumped = json.dumps([e.model_dump(mode="json") for e in sink(client).events])
    assert PASSWORD not in dumped and code(seed, clock) not in dumped and token not in dumped


def test_wrong_password_and_unknown_account_answer_alike(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    wrong = client.post(LOGIN, json={"account": "A100200", "password": "Wrong-pass-1"})
    unknown = client.post(LOGIN, json={"account": "B999999", "password": "Wrong-pass-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_credentials"


def test_lock_after_five_for_known_and_unknown(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    for account in ("A100200", "B999999"):
        codes = [
            client.post(LOGIN, json={"account": account, "password": f"Wrong-{i}x"}).status_code
            for i in range(5)
        ]
        assert codes == [401] * 5
        locked = client.post(LOGIN, json={"account": account, "password": PASSWORD})
        assert locked.status_code == 423 and locked.json()["error"] == "locked"


def test_replayed_otp_over_http(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    otp = code(seed, clock)
    for expected in (200, 401):
        token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()[
            "login_token"
        ]
        answer = client.post(FACTOR, json={"login_token": token, "type": "totp", "code": otp})
        assert answer.status_code == expected
    assert answer.json()["error"] == "replayed_otp"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("{not json", 422),
        ("[]", 422),
        ('{"account": "A100200"}', 422),
        ('{"account": "", "password": "x"}', 422),
        ('{"account": "A100200", "password": "x", "role": "admin"}', 422),
        ('{"account": 12, "password": ["x"]}', 422),
        (json.dumps({"account": "A" * 300, "password": "x"}), 422),
        (json.dumps({"account": "A100200", "password": "x" * 5000}), 422),
        (json.dumps({"account": "A100200", "password": "x" * 70000}), 413),
    ],
)
def test_bad_login_bodies(client: TestClient, payload: str, status: int) -> None:
    answer = client.post(LOGIN, content=payload, headers={"content-type": "application/json"})
    assert answer.status_code == status
    body = answer.json()
    assert isinstance(body["error"], str) and body["error"] and body["message"]


def test_nul_password_is_a_clear_failure(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    answer = client.post(LOGIN, json={"account": "A100200", "password": "Trade\u0000safely-2026"})
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid_password",
        "message": "password contains a NUL character",
        "field": "password",
    }
    too_long = client.post(LOGIN, json={"account": "A100200", "password": "é" * 1000})
    assert too_long.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"login_token": "x", "type": "sms", "code": "123456"},
        {"login_token": "x", "type": "totp"},
        {"login_token": "x", "type": "totp", "code": "1" * 100},
        {"login_token": "x", "type": "totp", "code": "123456", "verdict": "ok"},
        {"type": "totp", "code": "123456"},
    ],
)
def test_bad_factor_bodies(client: TestClient, body: dict[str, object]) -> None:
    answer = client.post(FACTOR, json=body)
    assert answer.status_code == 422


def test_unknown_login_token_is_401(client: TestClient) -> None:
    answer = client.post(
        FACTOR, json={"login_token": "0" * 36 + ".abc", "type": "totp", "code": "123456"}
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_login_token"


def test_geo_header_only_from_trusted_proxy(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    client.post(
        LOGIN, json={"account": "A100200", "password": "Wrong-x1"}, headers={"X-Geo-Country": "RU"}
    )
    assert "country" not in sink(client).events[-1].attributes
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_auth_settings] = lambda: AuthSettings(trust_geo_header=True)
    client.post(
        LOGIN, json={"account": "A100200", "password": "Wrong-x2"}, headers={"X-Geo-Country": "RU"}
    )
    assert sink(client).events[-1].attributes["country"] == "RU"
    client.post(
        LOGIN,
        json={"account": "A100200", "password": "Wrong-x3"},
        headers={"X-Geo-Country": "<script>"},
    )
    assert "country" not in sink(client).events[-1].attributes


def test_rate_limit_per_ip(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_auth_settings] = lambda: AuthSettings(rate_limit_ip="3/minute")
    answers = [
        client.post(LOGIN, json={"account": f"U{i}xyz", "password": "Wrong-1x"}).status_code
        for i in range(4)
    ]
    assert answers == [401, 401, 401, 429]
    assert sink(client).events[-1].attributes["reason"] == "rate_limited"


def test_password_change_and_enrolment_need_a_session(client: TestClient) -> None:
    for path in (
        "/api/v1/etrade/password/change",
        "/api/v1/etrade/enroll/totp",
        "/api/v1/etrade/enroll/device",
    ):
        answer = client.post(path, json={}, headers={"Authorization": "Bearer nope"})
        assert answer.status_code in (401, 422)
    assert client.get("/api/v1/etrade/session").status_code == 401


def step_up(client: TestClient, bearer: dict[str, str], seed: str, clock: FixedClock) -> None:
    """Prove the password and the TOTP again (a code of the next time step)."""
    clock.advance(timedelta(seconds=30))
    started = client.post("/api/v1/etrade/step-up", json={"password": PASSWORD}, headers=bearer)
    assert started.status_code == 200, started.text
    token = started.json()["login_token"]
    proved = client.post(
        "/api/v1/etrade/step-up/factor",
        json={"login_token": token, "type": "totp", "code": code(seed, clock)},
        headers=bearer,
    )
    assert proved.status_code == 200, proved.text


def session_for(client: TestClient, seed: str, clock: FixedClock) -> str:
    token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()[
        "login_token"
    ]
    done = client.post(
        FACTOR, json={"login_token": token, "type": "totp", "code": code(seed, clock)}
    )
    return str(done.json()["session_token"])


def test_customer_enrols_device_then_logs_in_with_it(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    from brokerguard.auth.challenges import signed_message
    from tests.auth.pki import p256_device, sign_with

    seed = make_customer(engine, clock, settings)
    bearer = {"Authorization": f"Bearer {session_for(client, seed, clock)}"}
    step_up(client, bearer, seed, clock)
    key, pem = p256_device()
    enrolled = client.post(
        "/api/v1/etrade/enroll/device",
        json={"device_id": "ipad-7", "public_key": pem},
        headers=bearer,
    )
    assert enrolled.status_code == 200, enrolled.text
    bad = client.post(
        "/api/v1/etrade/enroll/device",
        json={"device_id": "bad id!", "public_key": pem},
        headers=bearer,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "device_id"
    token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()[
        "login_token"
    ]
    ch = client.post(
        "/api/v1/etrade/login/challenge", json={"login_token": token, "type": "device"}
    ).json()
    assert ch["sign"].endswith(ch["nonce"])
    sig = sign_with(key, signed_message(ch["nonce"]))
    body = {
        "login_token": token,
        "type": "device",
        "device_id": "ipad-7",
        "challenge_id": ch["challenge_id"],
        "signature": sig,
    }
    assert client.post(FACTOR, json=body).status_code == 200
    reused = client.post(FACTOR, json=body)
    assert reused.status_code == 401


def test_customer_changes_password_over_http(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    bearer = {"Authorization": f"Bearer {session_for(client, seed, clock)}"}
    step_up(client, bearer, seed, clock)
    weak = client.post(
        "/api/v1/etrade/password/change",
        json={"current_password": PASSWORD, "new_password": "abc"},
        headers=bearer,
    )
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    ok = client.post(
        "/api/v1/etrade/password/change",
        json={"current_password": PASSWORD, "new_password": "New-secret-4455"},
        headers=bearer,
    )
    assert ok.status_code == 204
    assert (
        client.post(LOGIN, json={"account": "A100200", "password": "New-secret-4455"}).status_code
        == 200
    )


def test_expired_password_session_serves_only_the_change(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    from datetime import timedelta

    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(days=181))  # past the default maximum age of 180 days
    token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()
    assert token["password_change_required"] is True
    done = client.post(
        FACTOR,
        json={"login_token": token["login_token"], "type": "totp", "code": code(seed, clock)},
    ).json()
    assert done["password_change_required"] is True
    bearer = {"Authorization": f"Bearer {done['session_token']}"}
    refused = client.get("/api/v1/etrade/session", headers=bearer)
    assert refused.status_code == 403
    assert refused.json()["error"] == "password_change_required"
    enrol = client.post("/api/v1/etrade/enroll/totp", json={}, headers=bearer)
    assert enrol.status_code == 403
    step_up(client, bearer, seed, clock)
    changed = client.post(
        "/api/v1/etrade/password/change",
        json={"current_password": PASSWORD, "new_password": "New-secret-4455"},
        headers=bearer,
    )
    assert changed.status_code == 204
    info = client.get("/api/v1/etrade/session", headers=bearer)
    assert info.status_code == 200 and info.json()["password_change_required"] is False


def test_a_firm_may_only_flag_the_expired_password(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    from datetime import timedelta

    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_auth_settings] = lambda: AuthSettings(enforce_password_change=False)
    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(days=181))
    bearer = {"Authorization": f"Bearer {session_for(client, seed, clock)}"}
    info = client.get("/api/v1/etrade/session", headers=bearer)
    assert info.status_code == 200 and info.json()["password_change_required"] is True


def test_totp_self_enrolment_is_pending_until_confirmed(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    bearer = {"Authorization": f"Bearer {session_for(client, seed, clock)}"}
    step_up(client, bearer, seed, clock)
    enrol = client.post("/api/v1/etrade/enroll/totp", json={"device_id": "phone-2"}, headers=bearer)
    assert enrol.status_code == 200
    data = enrol.json()
    assert data["otpauth_uri"].startswith("otpauth://totp/") and data["qr_svg"].lstrip().startswith(
        "<"
    )
    new_seed = pyotp.parse_uri(data["otpauth_uri"]).secret
    wrong = client.post(
        "/api/v1/etrade/enroll/totp/confirm",
        json={"factor_id": data["factor_id"], "code": "000000"},
        headers=bearer,
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/api/v1/etrade/enroll/totp/confirm",
        json={"factor_id": data["factor_id"], "code": code(new_seed, clock)},
        headers=bearer,
    )
    assert ok.status_code == 204


def test_staff_lookup_and_unlock(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    for i in range(5):
        client.post(LOGIN, json={"account": "A100200", "password": f"Wrong-{i}x"})
    sign_in(client, engine, clock, Role.security)
    look = client.get("/api/v1/etrade/staff/customers/A100200")
    assert look.status_code == 200
    data = look.json()
    assert data["locked"] is True and data["failed_count"] == 5
    assert [f["type"] for f in data["factors"]] == ["totp"]
    assert len(data["history"]) == 5 and data["history"][0]["reason"] == "invalid_credentials"
    assert (
        client.post(
            "/api/v1/etrade/staff/customers/A100200/unlock", json={"reason": ""}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/etrade/staff/customers/A100200/unlock", json={"reason": "客戶臨櫃驗證身分"}
        ).status_code
        == 204
    )
    assert client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).status_code == 200
    unlock = [e for e in sink(client).events if e.function == "etrade.credential.unlock"]
    assert unlock and unlock[0].actor == "security-user"
    assert client.get("/api/v1/etrade/staff/customers/nobody").status_code == 404


def test_staff_api_needs_the_right_role(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    assert client.get("/api/v1/etrade/staff/customers/A100200").status_code == 401
    sign_in(client, engine, clock, Role.app_team)
    assert client.get("/api/v1/etrade/staff/customers/A100200").status_code == 403
    assert (
        client.post(
            "/api/v1/etrade/staff/customers/A100200/unlock", json={"reason": "x"}
        ).status_code
        == 403
    )


def test_openapi_documents_the_login(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert (
        "/api/v1/etrade/login" in spec["paths"] and "/api/v1/etrade/login/factor" in spec["paths"]
    )


@pytest.mark.parametrize(
    "account",
    ["' OR 1=1 --", "A100200\u202e", "帳號測試", "🙂🙂🙂", "A100200 ", "a" * 256, "%", "_"],
)
def test_hostile_accounts_get_the_plain_answer(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, account: str
) -> None:
    make_customer(engine, clock, settings)
    answer = client.post(LOGIN, json={"account": account, "password": PASSWORD})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_credentials"
    event = sink(client).events[-1]
    assert event.account == account[:256] and event.attributes["account_known"] == 0


def test_recovery_over_http_unlocks(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(days=8))  # the TOTP is old enough to recover with
    for i in range(5):
        client.post(LOGIN, json={"account": "A100200", "password": f"Wrong-{i}x"})
    start = client.post("/api/v1/etrade/recovery/start", json={"account": "A100200"})
    assert start.status_code == 200
    token = start.json()["login_token"]
    early = client.post(
        "/api/v1/etrade/recovery/password",
        json={"login_token": token, "new_password": "Brand-new-5566"},
    )
    assert early.status_code == 401 and early.json()["error"] == "factor_required"
    proved = client.post(
        "/api/v1/etrade/recovery/factor",
        json={"login_token": token, "type": "totp", "code": code(seed, clock)},
    )
    assert proved.status_code == 200 and proved.json()["session_token"] is None
    done = client.post(
        "/api/v1/etrade/recovery/password",
        json={"login_token": token, "new_password": "Brand-new-5566"},
    )
    assert done.status_code == 204
    assert (
        client.post(LOGIN, json={"account": "A100200", "password": "Brand-new-5566"}).status_code
        == 200
    )
    again = client.post(
        "/api/v1/etrade/recovery/password",
        json={"login_token": token, "new_password": "Other-new-7788"},
    )
    assert again.status_code == 401  # the recovery token is used up


def test_reset_factor_over_http(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()[
        "login_token"
    ]
    bad = client.post(
        "/api/v1/etrade/credentials/reset-factor", json={"login_token": token, "type": "password"}
    )
    assert bad.status_code == 422
    # issue 13 (low): a token that proved only the password cannot revoke the TOTP
    refused = client.post(
        "/api/v1/etrade/credentials/reset-factor", json={"login_token": token, "type": "totp"}
    )
    assert refused.status_code == 401 and refused.json()["error"] == "factor_required"
    garbage = client.post(
        "/api/v1/etrade/credentials/reset-factor", json={"login_token": "x.y", "type": "totp"}
    )
    assert garbage.status_code == 401
    functions = [e.function for e in sink(client).events]
    assert "etrade.credential.revoke" not in functions


def test_staff_creates_customer_and_records_assessment(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.security)
    weak = client.post(
        "/api/v1/etrade/staff/customers", json={"account": "A100500", "password": "abc"}
    )
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    made = client.post(
        "/api/v1/etrade/staff/customers",
        json={
            "account": "A100500",
            "password": "Good-pass-8899",
            "display_name": "陳大文",
            "identity_verified": True,
        },
    )
    assert made.status_code == 201
    again = client.post(
        "/api/v1/etrade/staff/customers", json={"account": "A100500", "password": "Good-pass-8899"}
    )
    assert again.status_code == 409
    functions = [e.function for e in sink(client).events]
    assert functions[-2:] == ["etrade.credential.apply", "etrade.credential.verify_identity"]
    bad = client.post(
        "/api/v1/etrade/staff/biometric-assessments",
        json={"method": "app-face", "conclusion": "great"},
    )
    assert bad.status_code == 422
    ok = client.post(
        "/api/v1/etrade/staff/biometric-assessments",
        json={"method": "app-face", "conclusion": "effective"},
    )
    assert ok.status_code == 201


def test_staff_suspends_resumes_and_revokes_a_factor(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    sign_in(client, engine, clock, Role.security)
    factor_id = client.get("/api/v1/etrade/staff/customers/A100200").json()["factors"][0]["id"]
    base = f"/api/v1/etrade/staff/customers/A100200/factors/{factor_id}"
    assert client.post(f"{base}/explode", json={}).status_code == 422
    assert client.post(f"{base}/resume", json={}).status_code == 409
    assert (
        client.post(f"{base}/suspend", json={"note": "客戶來電掛失"}).json()["status"]
        == "suspended"
    )
    token = client.post(LOGIN, json={"account": "A100200", "password": PASSWORD}).json()
    assert token["next_factors"] == []
    refused = client.post(
        FACTOR,
        json={"login_token": token["login_token"], "type": "totp", "code": code(seed, clock)},
    )
    assert refused.status_code == 401 and refused.json()["error"] == "factor_not_enrolled"
    assert client.post(f"{base}/resume", json={}).json()["status"] == "active"
    assert client.post(f"{base}/revoke", json={}).json()["status"] == "revoked"
    assert client.post(f"{base}/revoke", json={}).status_code == 409
    assert (
        client.post(
            "/api/v1/etrade/staff/customers/A100200/factors/nope/revoke", json={}
        ).status_code
        == 404
    )
    steps = [e.function for e in sink(client).events if e.function.startswith("etrade.credential.")]
    assert steps[-3:] == [
        "etrade.credential.suspend",
        "etrade.credential.renew",
        "etrade.credential.revoke",
    ]
