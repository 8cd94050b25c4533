from __future__ import annotations

import pytest

from brokerguard.mobile.analysis import analyze_artifact_bytes
from brokerguard.mobile.apk import ApkFacts
from brokerguard.mobile.network_config import NetworkConfigError, cleartext_scopes
from tests.mobile.apkbuild import ReleaseSigner, synthetic_apk
from tests.mobile.axml import Element, write_axml


def _config(base: bool | None, domains: dict[str, bool] | None = None) -> Element:
    children = []
    if base is not None:
        children.append(Element("base-config", {"cleartextTrafficPermitted": base}))
    for domain, permitted in (domains or {}).items():
        children.append(
            Element(
                "domain-config",
                {"cleartextTrafficPermitted": permitted},
                [Element("domain", {"includeSubdomains": True}, text=domain)],
            )
        )
    return Element("network-security-config", children=children)


@pytest.mark.parametrize(
    ("base", "domains", "target", "expected"),
    [
        (False, None, 34, []),
        (True, None, 34, ["base"]),
        (None, None, 34, []),
        (None, None, 27, ["base"]),
        (
            False,
            {"legacy.demosec.com.tw": True, "api.demosec.com.tw": False},
            34,
            ["legacy.demosec.com.tw"],
        ),
    ],
)
def test_cleartext_scopes(
    base: bool | None, domains: dict[str, bool] | None, target: int, expected: list[str]
) -> None:
    assert cleartext_scopes(write_axml(_config(base, domains)), target) == expected


@pytest.mark.parametrize("data", [b"", b"<network-security-config/>", b"\x03\x00\x08\x00garbage"])
def test_unreadable_config(data: bytes) -> None:
    with pytest.raises(NetworkConfigError):
        cleartext_scopes(data, 34)


def test_wrong_root_refused() -> None:
    with pytest.raises(NetworkConfigError):
        cleartext_scopes(write_axml(Element("manifest")), 34)


def _facts(raw: bytes) -> ApkFacts:
    facts = analyze_artifact_bytes("nsc.apk", raw).facts
    assert isinstance(facts, ApkFacts)
    return facts


def test_config_in_apk_decides_cleartext(release_signer: ReleaseSigner) -> None:
    strict = _facts(synthetic_apk(release_signer, network_config=_config(False)))
    assert strict.network_config_cleartext == [] and not strict.allows_cleartext
    legacy = synthetic_apk(
        release_signer,
        network_config=_config(False, {"legacy.demosec.com.tw": True}),
        application={"android:usesCleartextTraffic": False},
    )
    facts = _facts(legacy)
    assert facts.network_config_cleartext == ["legacy.demosec.com.tw"] and facts.allows_cleartext
    report = analyze_artifact_bytes("legacy.apk", legacy)
    assert any(f.rule == "cleartext_traffic" for f in report.findings)


def test_manifest_flag_without_config(release_signer: ReleaseSigner) -> None:
    facts = _facts(
        synthetic_apk(release_signer, application={"android:usesCleartextTraffic": True})
    )
    assert facts.network_config_cleartext is None and facts.allows_cleartext
    assert not _facts(synthetic_apk(release_signer)).allows_cleartext  # API 34 default


def test_unreadable_config_in_apk_is_not_fatal(release_signer: ReleaseSigner) -> None:
    facts = _facts(synthetic_apk(release_signer, network_config=b"garbage"))
    assert facts.network_security_config is not None
    assert facts.network_config_cleartext is None and not facts.allows_cleartext
