"""The customer's own security pages (``/etrade/my``, issue 13): sessions listed and
ended, the password changed and factors enrolled or removed in the browser, with the
same step-up the API requires, CSRF on every form, zh-TW first and English."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from brokerguard.auth.customer_pages import CODE_REFUSED, DONE, MESSAGES, REFUSED
from brokerguard.auth.models import EnrolledFactor, EtradeSession
from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.i18n import catalog
from tests.auth.helpers import PASSWORD
from tests.auth.test_api import LOGIN, code, make_customer, session_for
from tests.web.language_scan import other_language

MY = "/etrade/my"
NEW_PASSWORD = "Fresh-choice-6677"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = MY) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None, f"no form on {path}"
    return found[1]


def sign_in(client: TestClient, seed: str, clock: FixedClock) -> None:
    token = csrf(client, MY + "/login")
    password = client.post(
        MY + "/login",
        data={"csrf_token": token, "account": "A100200", "password": PASSWORD},
        follow_redirects=False,
    )
    assert password.status_code == 303, password.text
    token = csrf(client, MY + "/login/code")
    answer = client.post(
        MY + "/login/code",
        data={"csrf_token": token, "code": code(seed, clock)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == MY, answer.text


def step_up(client: TestClient, seed: str, clock: FixedClock) -> None:
    clock.advance(timedelta(seconds=30))  # a time step not used at sign-in
    answer = client.post(
        MY + "/step-up",
        data={"csrf_token": csrf(client), "password": PASSWORD, "code": code(seed, clock)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def live_sessions(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return len(list(s.scalars(select(EtradeSession).where(EtradeSession.revoked_at.is_(None)))))


def test_every_customer_message_is_translated() -> None:
    zh = catalog("zh-TW")
    texts = [*MESSAGES.values(), *DONE.values(), CODE_REFUSED, REFUSED]
    assert [t for t in texts if t not in zh] == []


def test_sign_in_lists_sessions_and_ends_another(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    assert client.get(MY, follow_redirects=False).headers["location"] == MY + "/login"
    clock.advance(timedelta(seconds=30))
    other = session_for(client, seed, clock)  # e.g. the trading app on a phone
    clock.advance(timedelta(seconds=30))
    sign_in(client, seed, clock)
    page = client.get(MY)
    assert page.status_code == 200 and "我的登入連線" in page.text and "本瀏覽器" in page.text
    assert page.headers["cache-control"] == "no-store"
    other_id = other.split(".")[0]
    assert f"/etrade/my/sessions/{other_id}/revoke" in page.text
    # no CSRF token: refused, the session stays
    forged = client.post(f"{MY}/sessions/{other_id}/revoke", data={"csrf_token": "x"})
    assert forged.status_code == 403 and live_sessions(engine) == 2
    ended = client.post(
        f"{MY}/sessions/{other_id}/revoke",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert ended.status_code == 303 and live_sessions(engine) == 1
    headers = {"Authorization": f"Bearer {other}"}
    assert client.get("/api/v1/etrade/session", headers=headers).status_code == 401
    # another customer's session, or garbage, reads as not found
    missing = client.post(f"{MY}/sessions/{'x' * 500}/revoke", data={"csrf_token": csrf(client)})
    assert missing.status_code == 404 and "查無您的此一連線" in missing.text
    assert "My sessions" in client.get(MY + "?lang=en").text  # English second


def test_credential_changes_need_the_step_up(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """A stolen browser session cannot enrol a factor or change the password."""
    seed = make_customer(engine, clock, settings)
    sign_in(client, seed, clock)
    with session_factory(engine)() as s:
        factor_id = s.scalars(select(EnrolledFactor.id)).one()
    for path, data in (
        ("/totp", {}),
        ("/totp/confirm", {"factor_id": "x", "code": "123456"}),
        (f"/factors/{factor_id}/remove", {}),
        ("/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ):
        refused = client.post(MY + path, data={"csrf_token": csrf(client), **data})
        assert refused.status_code == 403, (path, refused.text)
        assert "請先確認身分" in refused.text
    # a wrong code is no step-up, and the page says so in words, not codes
    clock.advance(timedelta(seconds=30))
    wrong = client.post(
        MY + "/step-up", data={"csrf_token": csrf(client), "password": PASSWORD, "code": "000000"}
    )
    assert wrong.status_code == 401 and "動態密碼未通過" in wrong.text
    assert "invalid_otp" not in wrong.text
    with session_factory(engine)() as s:
        assert s.get(EnrolledFactor, factor_id).status == "active"  # type: ignore[union-attr]


def test_step_up_then_enrol_a_totp_and_change_the_password(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    clock.advance(timedelta(seconds=30))
    other = session_for(client, seed, clock)
    clock.advance(timedelta(seconds=30))
    sign_in(client, seed, clock)
    step_up(client, seed, clock)
    assert "身分確認有效至" in client.get(MY).text
    enrolled = client.post(MY + "/totp", data={"csrf_token": csrf(client)})
    assert enrolled.status_code == 200 and "<svg" in enrolled.text
    factor_id = re.search(r'name="factor_id" value="([^"]+)"', enrolled.text)
    assert factor_id is not None
    with session_factory(engine)() as s:
        pending = s.get(EnrolledFactor, factor_id[1])
        assert pending is not None and pending.status == "pending"
    # the seed is read back from the QR's URI the page's svg encodes: use the stored one
    from brokerguard.auth.factor_totp import seed_context
    from brokerguard.auth.secretbox import SecretBox

    assert pending.secret_ciphertext is not None
    new_seed = (
        SecretBox(settings.data_dir, 1)
        .decrypt(pending.secret_ciphertext, seed_context(pending.id))
        .decode()
    )
    confirmed = client.post(
        MY + "/totp/confirm",
        data={
            "csrf_token": csrf(client),
            "factor_id": factor_id[1],
            "code": str(pyotp.TOTP(new_seed).at(clock.now())),
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    # the password: policy first, then the change ends the other session
    weak = client.post(
        MY + "/password",
        data={"csrf_token": csrf(client), "current_password": PASSWORD, "new_password": "abc"},
    )
    assert weak.status_code == 422 and "不符合密碼規則" in weak.text
    changed = client.post(
        MY + "/password",
        data={
            "csrf_token": csrf(client),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    assert "其他登入連線均已結束" in client.get(changed.headers["location"]).text
    headers = {"Authorization": f"Bearer {other}"}
    assert client.get("/api/v1/etrade/session", headers=headers).status_code == 401
    assert client.get(MY).status_code == 200  # this browser's session stays
    login = client.post(LOGIN, json={"account": "A100200", "password": NEW_PASSWORD})
    assert login.status_code == 200


def test_remove_a_factor_after_the_step_up_and_sign_out(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    sign_in(client, seed, clock)
    step_up(client, seed, clock)
    with session_factory(engine)() as s:
        factor_id = s.scalars(select(EnrolledFactor.id)).one()
    removed = client.post(
        f"{MY}/factors/{factor_id}/remove",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    with session_factory(engine)() as s:
        assert s.get(EnrolledFactor, factor_id).status == "revoked"  # type: ignore[union-attr]
    out = client.post(MY + "/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert out.status_code == 303 and live_sessions(engine) == 0
    assert client.get(MY, follow_redirects=False).status_code == 303


def test_hostile_and_empty_sign_in_forms(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    make_customer(engine, clock, settings)
    token = csrf(client, MY + "/login")
    for data, status in (
        ({"csrf_token": token}, 422),  # empty account
        ({"csrf_token": token, "account": "A100200", "password": "Wrong-one-1234"}, 401),
        ({"csrf_token": token, "account": "A1\x00", "password": "x"}, 422),
        ({"csrf_token": "", "account": "A100200", "password": PASSWORD}, 403),
        ({"csrf_token": token, "account": "x" * 300, "password": "x"}, 422),
    ):
        answer = client.post(MY + "/login", data=data)
        assert answer.status_code == status, (data, answer.text[:300])
        assert "Traceback" not in answer.text
    wrong = client.post(
        MY + "/login", data={"csrf_token": token, "account": "A100200", "password": "Nope-1234"}
    )
    assert "帳號或密碼錯誤" in wrong.text
    # the code step without a password step goes back to the start
    assert client.get(MY + "/login/code", follow_redirects=False).status_code == 303


def test_the_pages_are_in_one_language(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    seed = make_customer(engine, clock, settings)
    pages = {"login": client.get(MY + "/login").text}
    sign_in(client, seed, clock)
    pages["home"] = client.get(MY).text
    pages["refused"] = client.post(MY + "/totp", data={"csrf_token": csrf(client)}).text
    step_up(client, seed, clock)
    pages["enrol"] = client.post(MY + "/totp", data={"csrf_token": csrf(client)}).text
    for language in ("zh-TW", "en"):
        client.get(f"{MY}?lang={language}")
        pages[f"home-{language}"] = client.get(MY).text
        leaks = {
            name: other_language(html, language)[:5]
            for name, html in pages.items()
            if (language == "en") == name.endswith("-en") and other_language(html, language)
        }
        assert leaks == {}, language


def test_the_session_list_reads_on_a_phone_and_in_english(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    """Each session and factor stacks on a phone, values under their labels (before: four
    squeezed columns broke dates and buttons); English lists factors with commas (before:
    the Chinese 、 in an English sentence)."""
    seed = make_customer(engine, clock, settings)
    sign_in(client, seed, clock)
    zh = client.get(MY).text
    assert zh.count('<table class="stack"') == 2
    assert 'data-label="登入時間"' in zh and "密碼、動態密碼" in zh
    english = client.get(MY + "?lang=en").text
    assert 'data-label="Signed in"' in english
    assert "Password, One-time code (TOTP)" in english and "、" not in english
