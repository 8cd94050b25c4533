from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest

from brokerguard.auth.errors import FactorRejectedError
from tests.auth.helpers import META, PASSWORD, Kit


def start(kit: Kit) -> str:
    with kit.session() as s:
        return kit.login(s).start_login("A100200", PASSWORD, META).login_token


def submit(kit: Kit, token: str, code: str) -> str:
    with kit.session() as s:
        try:
            accepted = kit.login(s).submit_factor(
                token, SimpleNamespace(type="totp", login_token=token, code=code), META
            )
        except FactorRejectedError as exc:
            return exc.code
        return "ok" if accepted.session_token else "partial"


def test_otp_replay_is_refused(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    code = kit.totp_code(seed)
    assert submit(kit, start(kit), code) == "ok"
    assert submit(kit, start(kit), code) == "replayed_otp"
    replay = [e for e in kit.sink.events if e.attributes.get("reason") == "replayed_otp"]
    assert replay and replay[0].attributes["factor"] == "totp"
    assert code not in str([e.model_dump() for e in kit.sink.events])


def test_an_earlier_step_is_refused_after_a_later_one(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    assert submit(kit, start(kit), kit.totp_code(seed, +1)) == "ok"
    assert submit(kit, start(kit), kit.totp_code(seed, 0)) == "replayed_otp"


@pytest.mark.parametrize(
    ("steps", "expected"), [(-1, "ok"), (1, "ok"), (-2, "invalid_otp"), (2, "invalid_otp")]
)
def test_window_is_one_step(kit: Kit, steps: int, expected: str) -> None:
    seed = kit.customer()
    assert seed is not None
    assert submit(kit, start(kit), kit.totp_code(seed, steps)) == expected


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", "１２３４５６", "' OR 1=1"])
def test_malformed_codes_fail(kit: Kit, code: str) -> None:
    kit.customer()
    assert submit(kit, start(kit), code) == "invalid_otp"


def test_concurrent_submissions_of_one_code_pass_once(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    tokens = [start(kit) for _ in range(8)]
    code = kit.totp_code(seed)
    barrier = threading.Barrier(len(tokens))

    def go(token: str) -> str:
        barrier.wait()
        return submit(kit, token, code)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        outcomes = list(pool.map(go, tokens))
    assert outcomes.count("ok") == 1
    assert outcomes.count("replayed_otp") == 7


def test_next_window_accepts_a_new_code(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    assert submit(kit, start(kit), kit.totp_code(seed)) == "ok"
    kit.clock.advance(timedelta(seconds=60))
    assert submit(kit, start(kit), kit.totp_code(seed)) == "ok"
