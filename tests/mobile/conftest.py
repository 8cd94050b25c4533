from __future__ import annotations

from pathlib import Path

import pytest

from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact_bytes
from tests.conftest import FIXTURES
from tests.mobile.apkbuild import ReleaseSigner, make_signer, rebuild_apk

APK_DIR = FIXTURES / "apk"
TINY = APK_DIR / "golden-aligned-v2-out.apk"
TINY_PACKAGE = "android.appsecurity.cts.tinyapp"
A63_IDS = (
    "A6.3",
    "A6.3.1",
    "A6.3.1.1",
    "A6.3.1.2",
    "A6.3.1.3",
    "A6.3.1.4",
    "A6.3.2",
    "A6.3.2.1",
    "A6.3.2.2",
    "A6.3.3",
    "A6.3.3.1",
    "A6.3.3.2",
    "A6.3.3.3",
)


@pytest.fixture(scope="session")
def release_signer() -> ReleaseSigner:
    return make_signer()


@pytest.fixture(scope="session")
def good_apk(release_signer: ReleaseSigner) -> bytes:
    """The tiny CTS app re-signed with the firm's key, with root and debug detection."""
    return rebuild_apk(TINY, release_signer)


@pytest.fixture(scope="session")
def good_report(good_apk: bytes) -> ArtifactReport:
    return analyze_artifact_bytes("trade-5.2.0.apk", good_apk)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
