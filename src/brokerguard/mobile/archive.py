"""Defensive reading of ZIP-based artifacts (APK, IPA) before any parser sees them.

Every entry name is checked for path traversal; declared sizes, entry count and
compression ratios are bounded (zip bombs); entries are read through
:mod:`zipfile`, which verifies lengths and CRC-32, so truncated or corrupt data
surfaces as :class:`~brokerguard.mobile.errors.ArtifactError`, never a traceback.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from brokerguard.mobile.errors import ArtifactError, ArtifactTooLargeError

MIB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds applied to every artifact. Real trading apps stay well inside them."""

    max_artifact_bytes: int = 512 * MIB
    max_entries: int = 50_000
    max_entry_bytes: int = 256 * MIB
    max_total_bytes: int = 1024 * MIB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MIB
    max_manifest_bytes: int = 4 * MIB


DEFAULT_LIMITS = ArchiveLimits()


def _bad_name(name: str) -> str | None:
    if not name:
        return "empty entry name"
    if "\x00" in name:
        return "NUL byte in entry name"
    if "\\" in name:
        return f"backslash in entry name {name!r}"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"absolute entry name {name!r}"
    if ".." in PurePosixPath(name).parts:
        return f"path traversal in entry name {name!r}"
    return None


class SafeArchive:
    """A ZIP artifact that passed the structural checks; read entries with :meth:`read`."""

    def __init__(self, name: str, raw: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
        self.name = name
        self.raw = raw
        self.limits = limits
        if not raw:
            raise ArtifactError(name, "the file is empty", code="artifact_empty")
        if len(raw) > limits.max_artifact_bytes:
            raise ArtifactTooLargeError(
                name, f"{len(raw)} bytes is over the limit of {limits.max_artifact_bytes}"
            )
        if not raw.startswith(b"PK"):
            raise ArtifactError(
                name, "not a ZIP archive (no PK signature)", code="artifact_not_zip"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self._zip.infolist()
        except zipfile.BadZipFile as exc:
            raise ArtifactError(
                name, f"truncated or corrupt ZIP: {exc}", code="artifact_truncated"
            ) from None
        except (
            ValueError,
            OSError,
            EOFError,
            NotImplementedError,
            RuntimeError,
            struct.error,
        ) as exc:
            raise ArtifactError(name, f"corrupt ZIP: {exc}", code="artifact_corrupt") from None
        if len(infos) > limits.max_entries:
            raise ArtifactError(
                name,
                f"{len(infos)} entries is over the limit of {limits.max_entries}",
                code="artifact_zip_bomb",
            )
        total = 0
        names: set[str] = set()
        for info in infos:
            problem = _bad_name(info.filename)
            if problem is not None:
                raise ArtifactError(name, problem, code="artifact_path_traversal")
            if info.filename in names:
                raise ArtifactError(
                    name, f"duplicate entry {info.filename!r}", code="artifact_corrupt"
                )
            names.add(info.filename)
            self._check_local_header(name, raw, info)
            if info.file_size > limits.max_entry_bytes:
                raise ArtifactError(
                    name,
                    f"entry {info.filename!r} expands to {info.file_size} bytes, "
                    f"over the limit of {limits.max_entry_bytes}",
                    code="artifact_zip_bomb",
                )
            if info.file_size > limits.ratio_floor_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_ratio:
                    raise ArtifactError(
                        name,
                        f"entry {info.filename!r} has a compression ratio of {ratio:.0f}:1, "
                        f"over the limit of {limits.max_ratio:.0f}:1",
                        code="artifact_zip_bomb",
                    )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise ArtifactError(
                    name,
                    f"entries expand to more than {limits.max_total_bytes} bytes in total",
                    code="artifact_zip_bomb",
                )
        self._infos = {info.filename: info for info in infos}

    @staticmethod
    def _check_local_header(name: str, raw: bytes, info: zipfile.ZipInfo) -> None:
        """The local header must exist and name the same entry as the central directory.

        Parsers that read local headers (androguard does) must see the entry that
        :mod:`zipfile` vetted; a mismatch is a known way to smuggle content.
        """
        offset = info.header_offset
        if offset < 0 or offset + 30 > len(raw) or raw[offset : offset + 4] != b"PK\x03\x04":
            raise ArtifactError(
                name, f"entry {info.filename!r} has no local header", code="artifact_corrupt"
            )
        (name_length,) = struct.unpack_from("<H", raw, offset + 26)
        local_name = raw[offset + 30 : offset + 30 + name_length]
        central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        if local_name != central_name:
            raise ArtifactError(
                name,
                f"entry {info.filename!r}: local and central names differ",
                code="artifact_corrupt",
            )

    @classmethod
    def open(cls, path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> SafeArchive:
        name = path.name or str(path)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ArtifactError(name, "no such file", code="artifact_not_found") from None
        except OSError as exc:
            raise ArtifactError(name, f"cannot read: {exc.strerror}") from None
        if not path.is_file():
            raise ArtifactError(name, "not a regular file")
        if size > limits.max_artifact_bytes:
            raise ArtifactTooLargeError(
                name, f"{size} bytes is over the limit of {limits.max_artifact_bytes}"
            )
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ArtifactError(name, f"cannot read: {exc.strerror}") from None
        return cls(name, raw, limits)

    def names(self) -> list[str]:
        return list(self._infos)

    def has(self, entry: str) -> bool:
        return entry in self._infos

    def size_of(self, entry: str) -> int:
        return self._infos[entry].file_size

    def read(self, entry: str, max_bytes: int | None = None) -> bytes:
        """The entry's bytes, CRC-checked; ``max_bytes`` bounds it below the entry limit."""
        info = self._infos.get(entry)
        if info is None:
            raise ArtifactError(self.name, f"missing entry {entry!r}", code="artifact_corrupt")
        if info.flag_bits & 0x1:
            raise ArtifactError(
                self.name, f"entry {entry!r} is encrypted", code="artifact_unsupported"
            )
        limit = self.limits.max_entry_bytes if max_bytes is None else max_bytes
        if info.file_size > limit:
            raise ArtifactTooLargeError(
                self.name, f"entry {entry!r} is {info.file_size} bytes, over the limit of {limit}"
            )
        try:
            with self._zip.open(info) as handle:
                data = handle.read(limit + 1)
        except zipfile.BadZipFile as exc:
            raise ArtifactError(
                self.name, f"entry {entry!r} is corrupt: {exc}", code="artifact_corrupt"
            ) from None
        except (
            zlib.error,
            EOFError,
            ValueError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise ArtifactError(
                self.name,
                f"entry {entry!r} is truncated or corrupt: {exc}",
                code="artifact_truncated",
            ) from None
        if len(data) > limit:
            raise ArtifactTooLargeError(self.name, f"entry {entry!r} is over {limit} bytes")
        return data
