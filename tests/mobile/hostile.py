"""Builders of hostile and malformed archives shared by the mobile tests."""

from __future__ import annotations

import io
import zipfile


def zip_bytes(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def traversal_zip(name: str = "../../etc/passwd") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("placeholder")
        archive.writestr(info, b"x")
    raw = buffer.getvalue()
    # zipfile refuses to write such names; patch them in (same length keeps offsets valid)
    padded = name.encode().ljust(len("placeholder"), b"/")[: len("placeholder")]
    if len(name) > len("placeholder"):
        padded = name.encode()[: len("placeholder")]
    return raw.replace(b"placeholder", padded)


def bomb_zip(size: int = 64 * 1024 * 1024) -> bytes:
    return zip_bytes({"AndroidManifest.xml": b"\0" * 16, "classes.dex": b"\0" * size})


def declared_too_large_zip() -> bytes:
    """A stored entry whose size fields are patched to claim 3 GiB."""
    raw = bytearray(zip_bytes({"AndroidManifest.xml": b"abcd"}, zipfile.ZIP_STORED))
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = (3 * 1024**3).to_bytes(4, "little")
    return bytes(raw)
