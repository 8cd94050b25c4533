"""Reading the string table of DEX files, bounded, without a full disassembly."""

from __future__ import annotations

import struct
from collections.abc import Iterator

DEX_MAGIC = b"dex\n"
MAX_STRINGS = 2_000_000
MAX_STRING_BYTES = 64 * 1024


class DexFormatError(ValueError):
    """The DEX header or string table is malformed."""


def _uleb128(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    for _ in range(5):
        if pos >= len(data):
            raise DexFormatError("string length runs past the end of the file")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise DexFormatError("string length is not a valid ULEB128")


def dex_strings(data: bytes) -> Iterator[str]:
    """Every string of the DEX ``data`` (MUTF-8 decoded leniently)."""
    if len(data) < 0x70 or not data.startswith(DEX_MAGIC):
        raise DexFormatError("not a DEX file")
    count, offset = struct.unpack_from("<II", data, 0x38)
    if count > MAX_STRINGS:
        raise DexFormatError(f"{count} strings is over the limit of {MAX_STRINGS}")
    if offset + 4 * count > len(data):
        raise DexFormatError("string table runs past the end of the file")
    for index in range(count):
        (start,) = struct.unpack_from("<I", data, offset + 4 * index)
        if start >= len(data):
            raise DexFormatError("string offset outside the file")
        _, pos = _uleb128(data, start)
        end = data.find(b"\x00", pos, pos + MAX_STRING_BYTES)
        if end < 0:
            end = min(len(data), pos + MAX_STRING_BYTES)
        yield data[pos:end].decode("utf-8", errors="replace")
