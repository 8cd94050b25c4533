"""The one place a register's file is read: an upload (web) or a path (CLI).

Both refuse an empty file and one larger than the limit (``too_large``, HTTP 413),
naming the field ``file``, before anything is parsed.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from brokerguard.errors import BrokerguardError, PayloadTooLargeError, ValidationError
from brokerguard.tabular import DEFAULT_MAX_BYTES

MAX_NAME = 200


async def read_upload(upload: UploadFile, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    content = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise PayloadTooLargeError(f"the file is larger than {max_bytes:,} bytes", field="file")
    if not content:
        raise ValidationError("the file is empty", field="file")
    return content


async def read_upload_kept(
    upload: UploadFile, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes | BrokerguardError:
    """:func:`read_upload` with its refusal returned, not raised: a form handler reads the
    file on the event loop and raises the refusal (:func:`accepted`) in its one trip to the
    thread pool, where the refusal page reads the database."""
    try:
        return await read_upload(upload, max_bytes)
    except BrokerguardError as refusal:
        return refusal


def accepted(read: bytes | BrokerguardError) -> bytes:
    """What :func:`read_upload_kept` read, or its refusal raised."""
    if isinstance(read, BrokerguardError):
        raise read
    return read


def upload_name(upload: UploadFile) -> str:
    """The upload's file name as given (at most 200 characters), or ``upload``."""
    return (upload.filename or "upload")[:MAX_NAME]


def read_input_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file at ``path``: a regular file, or a stream such as a pipe or ``/dev/stdin``
    (read up to one byte over the limit, so an endless one is refused, not swallowed)."""
    if not path.exists():
        raise ValidationError(f"no such file: {path}", field="file")
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a file", field="file")
    try:
        with path.open("rb") as stream:
            content = stream.read(max_bytes + 1)
    except OSError as exc:
        raise ValidationError(f"{path} cannot be read: {exc.strerror}", field="file") from exc
    if len(content) > max_bytes:
        raise PayloadTooLargeError(f"{path} is larger than {max_bytes:,} bytes", field="file")
    if not content:
        raise ValidationError(f"{path} is empty", field="file")
    return content
