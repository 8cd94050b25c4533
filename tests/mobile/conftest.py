from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from brokerguard.errors import UnknownRequirementError
from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact_bytes
from brokerguard.rulebook import load_rulebook
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


@pytest.fixture(autouse=True)
def a63_known(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Until the A6 rulebook data is merged, let the findings/evidence services accept A6.3 IDs."""
    rulebook = load_rulebook()
    if all(i in rulebook for i in A63_IDS):
        yield
        return

    def require_known(*ids: str) -> None:
        for requirement_id in ids:
            if requirement_id not in A63_IDS and requirement_id not in rulebook:
                raise UnknownRequirementError(requirement_id)

    class Known:
        def __contains__(self, requirement_id: object) -> bool:
            return requirement_id in A63_IDS or requirement_id in rulebook

    monkeypatch.setattr("brokerguard.findings.service.require_known", require_known)
    monkeypatch.setattr("brokerguard.evidence.service.require_known", require_known)
    monkeypatch.setattr("brokerguard.mobile.demo.load_rulebook", Known)
    yield


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
