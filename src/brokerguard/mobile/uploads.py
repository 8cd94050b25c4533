"""Reading uploaded artifacts and files with a size bound, before analysis; registering an
uploaded release (what the page and the JSON API both call)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import UploadFile
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.errors import BrokerguardError, PayloadTooLargeError, ValidationError
from brokerguard.mobile import registry
from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact_bytes
from brokerguard.mobile.models import MobileApp, MobileRelease

MAX_ARTIFACT_BYTES = 512 * 1024 * 1024


async def read_upload(upload: UploadFile, max_bytes: int, field: str = "file") -> bytes:
    name = upload.filename or ""
    if not name.strip():
        raise ValidationError("the upload has no file name", field=field)
    content = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise PayloadTooLargeError(f"{name} is larger than {max_bytes:,} bytes", field=field)
    if not content:
        raise ValidationError(f"{name} is empty", field=field)
    return content


async def analyze_upload(upload: UploadFile) -> ArtifactReport:
    return (await read_artifact(upload)).analyze()


@dataclass(frozen=True)
class ReadArtifact:
    """An uploaded APK or IPA as read on the event loop, to be analysed in the thread
    pool with the database work; a refused read is kept and raised by :meth:`analyze`,
    so the checks a handler makes first (the app exists) still come first."""

    filename: str
    content: bytes
    refusal: BrokerguardError | None = None

    def analyze(self) -> ArtifactReport:
        if self.refusal is not None:
            raise self.refusal
        return analyze_artifact_bytes(self.filename, self.content)


async def read_artifact(upload: UploadFile) -> ReadArtifact:
    """Read an uploaded artifact (at most :data:`MAX_ARTIFACT_BYTES`); a refusal is kept."""
    filename = upload.filename or "artifact"
    try:
        return ReadArtifact(filename, await read_upload(upload, MAX_ARTIFACT_BYTES, "artifact"))
    except BrokerguardError as refusal:
        return ReadArtifact(filename, b"", refusal)


def major_reasons_given(reasons: Sequence[str] | None) -> list[str]:
    """The reasons a release is a major update, blanks left out (none: not a major one)."""
    return [reason for reason in reasons or [] if reason.strip()]


def register_uploaded_release(
    session: Session,
    clock: Clock,
    app: MobileApp,
    artifact: ReadArtifact,
    *,
    actor: str,
    major_reasons: Sequence[str] | None,
    store: str,
) -> tuple[MobileRelease, ArtifactReport]:
    """Analyse an uploaded APK or IPA and register it as a release candidate of ``app``
    (A6.3); a release with a reason given is a major update. The release and the report
    (the gate is evaluated on it). Database work: for the thread pool."""
    report = artifact.analyze()
    reasons = major_reasons_given(major_reasons)
    release = registry.register_release(
        session,
        clock,
        app,
        report,
        actor=actor,
        major_update=bool(reasons),
        major_reasons=reasons,
        store=store,
    )
    return release, report
