"""Reading uploaded artifacts and files with a size bound, before analysis."""

from __future__ import annotations

from fastapi import UploadFile

from brokerguard.errors import PayloadTooLargeError, ValidationError
from brokerguard.mobile.analysis import ArtifactReport, analyze_artifact_bytes

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
    content = await read_upload(upload, MAX_ARTIFACT_BYTES, "artifact")
    return analyze_artifact_bytes(upload.filename or "artifact", content)
