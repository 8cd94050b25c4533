"""Upload validation: nothing is stored unless every rule passes."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from brokerguard.errors import PayloadTooLargeError, UnsupportedMediaError, ValidationError

MAX_FILENAME_CHARS = 200
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")

#: leading bytes a file of this extension must start with
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".zip": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".apk": (b"PK\x03\x04",),
    ".ipa": (b"PK\x03\x04",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".md", ".json", ".xml", ".html", ".sig"})
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".apk": "application/vnd.android.package-archive",
    ".ipa": "application/octet-stream",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".json": "application/json",
    ".xml": "application/xml",
    ".html": "text/html",
    ".mp4": "video/mp4",
    ".sig": "text/plain",
}


def clean_filename(raw: str) -> str:
    """The file name as given, refused if it could escape a folder or hide characters."""
    name = unicodedata.normalize("NFC", raw or "")
    if not name.strip():
        raise ValidationError("the file has no name", field="filename")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError("the file name contains control characters", field="filename")
    if len(name) > MAX_FILENAME_CHARS:
        raise ValidationError(
            f"the file name is longer than {MAX_FILENAME_CHARS} characters", field="filename"
        )
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if (
        "/" in name
        or "\\" in name
        or name in (".", "..")
        or name.startswith(".")
        or posix.is_absolute()
        or windows.drive
        or ".." in posix.parts
    ):
        raise ValidationError(
            "the file name must be a plain name without folders", field="filename"
        )
    return name


def extension_of(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower()


def check_upload(
    content: bytes, filename: str, *, max_bytes: int, allowed: tuple[str, ...]
) -> tuple[str, str]:
    """Validate an upload; return (clean file name, content type)."""
    name = clean_filename(filename)
    extension = extension_of(name)
    if extension not in allowed:
        raise UnsupportedMediaError(
            f"files of type {extension or '(none)'!r} are not accepted; "
            f"allowed: {', '.join(allowed)}",
            field="file",
        )
    if not content:
        raise ValidationError("the file is empty", field="file")
    if len(content) > max_bytes:
        raise PayloadTooLargeError(
            f"the file is {len(content):,} bytes; the limit is {max_bytes:,} bytes", field="file"
        )
    magic = MAGIC.get(extension)
    if magic and not content.startswith(magic):
        raise UnsupportedMediaError(
            f"the content is not a {extension} file (its first bytes do not match)", field="file"
        )
    if extension in TEXT_EXTENSIONS and b"\x00" in content[:65536]:
        raise UnsupportedMediaError(
            f"a {extension} file must be text; this one is binary", field="file"
        )
    return name, CONTENT_TYPES.get(extension, "application/octet-stream")


def check_kind(kind: str) -> str:
    if not KIND_RE.match(kind or ""):
        raise ValidationError(
            "evidence kind must be 2-64 lower-case letters, digits or '_' (e.g. lab_report)",
            field="kind",
        )
    return kind
