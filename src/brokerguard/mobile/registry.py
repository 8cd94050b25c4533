"""App registry (A6.3.1.1): apps, releases and per-permission purpose statements."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.errors import ConflictError, NotFoundError, ValidationError
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.models import MobileApp, MobilePermissionPurpose, MobileRelease

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{1,62}$")
PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PLATFORMS = ("android", "ios")
MAJOR_REASONS = ("ordering_trading", "account_query", "identity_verification", "customer_rights")
MAX_PURPOSE = 2000


class ReleaseStatus:
    candidate = "candidate"
    released = "released"
    withdrawn = "withdrawn"


def _text(value: str, field: str, max_len: int, *, required: bool = True) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise ValidationError(f"{field} is required", field=field)
    if len(clean) > max_len:
        raise ValidationError(f"{field} is longer than {max_len} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in clean):
        raise ValidationError(f"{field} contains control characters", field=field)
    return clean


def check_url(url: str, field: str) -> str:
    clean = _text(url, field, 512)
    parts = urlsplit(clean)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(f"{field} must be an https:// URL: {clean!r}", field=field)
    return clean


def check_sha256(values: Sequence[str], field: str) -> list[str]:
    found: list[str] = []
    for raw in values:
        value = raw.strip().lower().replace(":", "")
        if not SHA256_RE.match(value):
            raise ValidationError(f"{field}: {raw!r} is not a SHA-256 hex digest", field=field)
        if value not in found:
            found.append(value)
    return found


def register_app(
    session: Session,
    clock: Clock,
    *,
    slug: str,
    name_zh: str,
    name_en: str,
    platform: str,
    package_name: str,
    actor: str,
    customer_facing: bool = True,
    store_urls: Sequence[str] = (),
    download_url: str = "",
    official_cert_sha256: Sequence[str] = (),
    owner: str = "",
) -> MobileApp:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationError(
            "app ID must be 2-63 lower-case letters, digits or '-' (e.g. trade-android)",
            field="slug",
        )
    if platform not in PLATFORMS:
        raise ValidationError(f"platform must be one of {PLATFORMS}", field="platform")
    package = _text(package_name, "package_name", 255)
    if not PACKAGE_RE.match(package):
        raise ValidationError(f"not a package name or bundle ID: {package!r}", field="package_name")
    if session.scalar(select(MobileApp).where(MobileApp.slug == slug)) is not None:
        raise ConflictError(f"app {slug!r} is already registered", field="slug")
    app = MobileApp(
        slug=slug,
        name_zh=_text(name_zh, "name_zh", 128),
        name_en=_text(name_en, "name_en", 128),
        platform=platform,
        package_name=package,
        customer_facing=customer_facing,
        store_urls=[check_url(u, "store_urls") for u in store_urls if u.strip()],
        download_url=check_url(download_url, "download_url") if download_url.strip() else "",
        official_cert_sha256=check_sha256(official_cert_sha256, "official_cert_sha256"),
        owner=_text(owner, "owner", 128, required=False),
        created_at=clock.now(),
        created_by=actor,
    )
    session.add(app)
    session.flush()
    return app


def get_app(session: Session, slug: str) -> MobileApp:
    app = session.scalar(select(MobileApp).where(MobileApp.slug == (slug or "").strip().lower()))
    if app is None:
        raise NotFoundError(f"no registered app {slug!r}", field="app")
    return app


def list_apps(session: Session) -> list[MobileApp]:
    return list(session.scalars(select(MobileApp).order_by(MobileApp.slug)))


def set_purpose(
    session: Session,
    clock: Clock,
    app: MobileApp,
    *,
    permission: str,
    purpose_zh: str,
    purpose_en: str,
    actor: str,
    sensitive_data: str = "",
) -> MobilePermissionPurpose:
    """State (or restate) why ``app`` needs ``permission``, in both languages."""
    name = _text(permission, "permission", 255)
    zh = _text(purpose_zh, "purpose_zh", MAX_PURPOSE)
    en = _text(purpose_en, "purpose_en", MAX_PURPOSE)
    row = session.scalar(
        select(MobilePermissionPurpose).where(
            MobilePermissionPurpose.app_id == app.id, MobilePermissionPurpose.permission == name
        )
    )
    if row is None:
        row = MobilePermissionPurpose(app_id=app.id, permission=name)
        session.add(row)
    row.purpose_zh = zh
    row.purpose_en = en
    row.sensitive_data = _text(sensitive_data, "sensitive_data", MAX_PURPOSE, required=False)
    row.updated_at = clock.now()
    row.updated_by = actor
    session.flush()
    return row


def purposes(session: Session, app: MobileApp) -> dict[str, MobilePermissionPurpose]:
    rows = session.scalars(
        select(MobilePermissionPurpose).where(MobilePermissionPurpose.app_id == app.id)
    )
    return {r.permission: r for r in rows}


def releases(session: Session, app: MobileApp) -> list[MobileRelease]:
    """Every release of ``app``, newest first."""
    return list(
        session.scalars(
            select(MobileRelease)
            .where(MobileRelease.app_id == app.id)
            .order_by(MobileRelease.created_at.desc(), MobileRelease.id)
        )
    )


def released(session: Session, app: MobileApp) -> list[MobileRelease]:
    return [r for r in releases(session, app) if r.status == ReleaseStatus.released]


def latest_released(session: Session, app: MobileApp) -> MobileRelease | None:
    found = released(session, app)
    if not found:
        return None
    return max(found, key=lambda r: (r.released_on or date.min, r.created_at))


def find_release(session: Session, app: MobileApp, artifact_sha256: str) -> MobileRelease | None:
    return session.scalar(
        select(MobileRelease).where(
            MobileRelease.app_id == app.id,
            MobileRelease.artifact_sha256 == artifact_sha256.strip().lower(),
        )
    )


def get_release(session: Session, release_id: str) -> MobileRelease:
    row = session.get(MobileRelease, release_id)
    if row is None:
        raise NotFoundError(f"no release {release_id!r}", field="release")
    return row


def check_matches_app(app: MobileApp, report: ArtifactReport) -> None:
    if report.platform != app.platform:
        raise ValidationError(
            f"{report.facts.artifact_name} is an {report.platform} artifact; "
            f"app {app.slug} is {app.platform}",
            field="artifact",
        )
    if report.facts.package != app.package_name:
        raise ValidationError(
            f"{report.facts.artifact_name} is package {report.facts.package!r}; "
            f"app {app.slug} is {app.package_name!r}",
            field="artifact",
        )


def register_release(
    session: Session,
    clock: Clock,
    app: MobileApp,
    report: ArtifactReport,
    *,
    actor: str,
    major_update: bool = False,
    major_reasons: Sequence[str] = (),
    store: str = "",
) -> MobileRelease:
    """Record a candidate release from an analysed artifact (one row per artifact)."""
    check_matches_app(app, report)
    reasons = sorted(set(major_reasons))
    unknown = [r for r in reasons if r not in MAJOR_REASONS]
    if unknown:
        raise ValidationError(
            f"unknown major-update reason(s) {unknown}; use {MAJOR_REASONS}", field="major_reasons"
        )
    if reasons and not major_update:
        major_update = True
    if major_update and not reasons:
        raise ValidationError(
            "a major update names what changed (ordering_trading, account_query, "
            "identity_verification, customer_rights)",
            field="major_reasons",
        )
    facts = report.facts
    if find_release(session, app, facts.artifact_sha256) is not None:
        raise ConflictError(
            f"{facts.artifact_name} (sha256 {facts.artifact_sha256[:12]}…) is already registered",
            field="artifact",
        )
    signing = report.signing_certificates
    data = report.to_dict()
    row = MobileRelease(
        app_id=app.id,
        version_name=_text(facts.version_name or "", "version_name", 64, required=False) or "?",
        version_code=(facts.version_code or "")[:32],
        artifact_name=facts.artifact_name[:255],
        artifact_sha256=facts.artifact_sha256,
        signing_cert_sha256=signing,
        permissions=report.permissions,
        facts={k: v for k, v in data.items() if k != "findings"},
        findings=data["findings"],
        store=_text(store, "store", 64, required=False),
        status=ReleaseStatus.candidate,
        major_update=major_update,
        major_reasons=reasons,
        released_on=None,
        created_at=clock.now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row
