from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from brokerguard.auth.models import EnrolledFactor
from brokerguard.auth.secretbox import SecretBox
from brokerguard.auth.service import rotate_seed_keys
from brokerguard.auth.settings import AuthSettings
from brokerguard.errors import ConfigurationError
from tests.auth.helpers import Kit


def test_roundtrip_and_context_binding(tmp_path: Path) -> None:
    box = SecretBox(tmp_path, 1)
    sealed = box.encrypt(b"JBSWY3DPEHPK3PXP", "auth-totp-seed:1")
    assert sealed.startswith("v1:") and "JBSWY3DP" not in sealed
    assert box.decrypt(sealed, "auth-totp-seed:1") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(ConfigurationError):
        box.decrypt(sealed, "auth-totp-seed:2")  # moved to another row


@pytest.mark.parametrize("bad", ["", "v1", "x1:AAAA", "v1:" + "A" * 40])
def test_tampered_or_malformed_ciphertexts(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigurationError):
        SecretBox(tmp_path, 1).decrypt(bad, "ctx")


def test_key_files_are_private(tmp_path: Path) -> None:
    SecretBox(tmp_path, 1).encrypt(b"x", "c")
    assert (tmp_path / "keys" / "auth-seed-v1").stat().st_mode & 0o077 == 0


def test_rotation_re_encrypts_seeds_and_logins_still_work(kit: Kit) -> None:
    seed = kit.customer()
    assert seed is not None
    kit.auth = AuthSettings(seed_key_version=2)
    with kit.session() as s:
        assert rotate_seed_keys(s, kit.box) == 1
        s.commit()
        factor = s.query(EnrolledFactor).one()
        assert factor.secret_ciphertext is not None and factor.secret_ciphertext.startswith("v2:")
        assert rotate_seed_keys(s, kit.box) == 0
    assert kit.seed_of(factor.id) == seed
    assert pyotp.TOTP(seed).now()
