"""A minimal Android binary XML (AXML) writer for tests: elements and plain attributes."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TYPE_STRING = 0x03
TYPE_BOOLEAN = 0x12
ANDROID_URI = "http://schemas.android.com/apk/res/android"


@dataclass
class Element:
    tag: str
    attributes: dict[str, str | bool] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: str | None = None


def _chunk(kind: int, header: bytes, body: bytes) -> bytes:
    header_size = 8 + len(header)
    return struct.pack("<HHI", kind, header_size, header_size + len(body)) + header + body


def _string_pool(strings: list[str]) -> bytes:
    offsets = b""
    data = b""
    for value in strings:
        offsets += struct.pack("<I", len(data))
        encoded = value.encode("utf-16-le")
        data += struct.pack("<H", len(value)) + encoded + b"\x00\x00"
    while len(data) % 4:
        data += b"\x00"
    strings_start = 28 + len(offsets)
    header = struct.pack("<IIIII", len(strings), 0, 0, strings_start, 0)
    return _chunk(0x0001, header, offsets + data)


def write_axml(root: Element) -> bytes:
    strings: list[str] = []

    def index(value: str) -> int:
        if value not in strings:
            strings.append(value)
        return strings.index(value)

    def collect(element: Element) -> None:
        index(element.tag)
        for name, value in element.attributes.items():
            index(name)
            if isinstance(value, str):
                index(value)
        if element.text is not None:
            index(element.text)
        for child in element.children:
            collect(child)

    collect(root)
    uses_android = any(
        name.startswith("android:") for element in _walk(root) for name in element.attributes
    )
    if uses_android:
        index("android")
        index(ANDROID_URI)
    body = b""

    def emit(element: Element) -> None:
        nonlocal body
        attrs = b""
        for name, value in element.attributes.items():
            if isinstance(value, bool):
                raw, kind, data = 0xFFFFFFFF, TYPE_BOOLEAN, 0xFFFFFFFF if value else 0
            else:
                raw, kind, data = index(value), TYPE_STRING, index(value)
            ns = 0xFFFFFFFF
            if name.startswith("android:"):
                ns, name = index(ANDROID_URI), name.removeprefix("android:")
            attrs += struct.pack("<IIIHBBI", ns, index(name), raw, 8, 0, kind, data)
        header = struct.pack("<II", 1, 0xFFFFFFFF)
        start = struct.pack(
            "<IIHHHHHH", 0xFFFFFFFF, index(element.tag), 20, 20, len(element.attributes), 0, 0, 0
        )
        body += _chunk(0x0102, header, start + attrs)
        if element.text is not None:
            text = struct.pack("<IIII", index(element.text), 8, 0, 0)
            body += _chunk(0x0104, header, text)
        for child in element.children:
            emit(child)
        body += _chunk(0x0103, header, struct.pack("<II", 0xFFFFFFFF, index(element.tag)))

    emit(root)
    if uses_android:
        header = struct.pack("<II", 1, 0xFFFFFFFF)
        names = struct.pack("<II", index("android"), index(ANDROID_URI))
        body = _chunk(0x0100, header, names) + body + _chunk(0x0101, header, names)
    pool = _string_pool(strings)
    return _chunk(0x0003, b"", pool + body)


def _walk(element: Element) -> list[Element]:
    found = [element]
    for child in element.children:
        found += _walk(child)
    return found
