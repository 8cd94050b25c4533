"""The domains of the platform, in one explicit list.

The menu lists the domains' navigation entries in this order; everything else
that needs an order (the demo) takes it from the manifests' ``depends_on``. A new
domain adds its ``manifest.py`` and one line here (see ``docs/contributing.md``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from brokerguard.config import domain_models
from brokerguard.kernel.manifest import DomainManifest, ManifestError, check_domains, check_package


def _manifests() -> tuple[DomainManifest, ...]:
    from brokerguard.assessment import manifest as assessment
    from brokerguard.attestations import manifest as attestations
    from brokerguard.audit import manifest as audit
    from brokerguard.auth import manifest as auth
    from brokerguard.deepfake import manifest as deepfake
    from brokerguard.detect import manifest as detect
    from brokerguard.devices import manifest as devices
    from brokerguard.evidence import manifest as evidence
    from brokerguard.findings import manifest as findings
    from brokerguard.iot import manifest as iot
    from brokerguard.mobile import manifest as mobile
    from brokerguard.notify import manifest as notify
    from brokerguard.phishing import manifest as phishing
    from brokerguard.policies import manifest as policies
    from brokerguard.reports import manifest as reports
    from brokerguard.rulebook import manifest as rulebook
    from brokerguard.social import manifest as social
    from brokerguard.staff import manifest as staff
    from brokerguard.training import manifest as training
    from brokerguard.worker import manifest as worker

    return (
        assessment.MANIFEST,
        auth.MANIFEST,
        audit.MANIFEST,
        detect.MANIFEST,
        devices.MANIFEST,
        social.MANIFEST,
        iot.MANIFEST,
        mobile.MANIFEST,
        training.MANIFEST,
        deepfake.MANIFEST,
        attestations.MANIFEST,
        phishing.MANIFEST,
        evidence.MANIFEST,
        findings.MANIFEST,
        policies.MANIFEST,
        reports.MANIFEST,
        rulebook.MANIFEST,
        notify.MANIFEST,
        worker.MANIFEST,
        staff.MANIFEST,
    )


def validate(manifests: tuple[DomainManifest, ...]) -> tuple[DomainManifest, ...]:
    """Each manifest against its package's files, then the set as a whole."""
    for manifest in manifests:
        try:
            folder = resources.files(manifest.package)
        except ModuleNotFoundError:
            raise ManifestError(manifest.name, f"no package {manifest.package}") from None
        check_package(manifest, Path(str(folder)))
        if manifest.settings is not domain_models().get(manifest.name):
            raise ManifestError(
                manifest.name,
                f"its settings model must be the one core Settings nests as {manifest.name!r}",
            )
    check_domains(manifests)
    return manifests


@cache
def all_domains() -> tuple[DomainManifest, ...]:
    """Every domain's manifest, checked (a wrong one stops start-up, naming the domain)."""
    return validate(_manifests())
