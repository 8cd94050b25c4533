"""Hardened reading of nmap XML (``nmap -oX``) and matching of its hosts to the register.

The stdlib parser is used with guards instead of trust: the file must be UTF-8
(or ASCII) without NUL bytes, no larger than a limit, and may carry at most a
bare ``<!DOCTYPE nmaprun>``: internal DTD subsets, entity declarations and
external DTD identifiers are refused before parsing, so neither entity
expansion ("billion laughs") nor external fetches can happen. Hosts are read
as a stream and each element is cleared after use, so memory stays flat.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # hardened by the guards below
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from brokerguard.errors import PayloadTooLargeError, ValidationError

DOCTYPE_RE = re.compile(rb"<!DOCTYPE\s+([^\s>\[]+)\s*(.*?)>", re.DOTALL)
CHUNK = 1 << 20


@dataclass(frozen=True)
class NmapHost:
    ip_address: str
    mac: str | None = None
    mac_vendor: str = ""
    hostname: str = ""
    open_ports: tuple[str, ...] = field(default=())


@dataclass
class NmapScan:
    scanned_at: datetime | None
    hosts: list[NmapHost]


def _guard(content: bytes, max_bytes: int) -> None:
    if not content.strip():
        raise ValidationError("the nmap file is empty", field="file")
    if len(content) > max_bytes:
        raise PayloadTooLargeError(
            f"the nmap file is larger than {max_bytes:,} bytes", field="file"
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content:
        raise ValidationError("the nmap file must be UTF-8 XML (nmap -oX)", field="file")
    if b"<!ENTITY" in content:
        raise ValidationError("XML entity declarations are refused", field="file")
    match = DOCTYPE_RE.search(content)
    if match is not None:
        if b"[" in content[match.start() : match.end() + 1] or match.group(2).strip():
            raise ValidationError(
                "XML DTDs are refused (only a bare <!DOCTYPE nmaprun> is accepted)", field="file"
            )
        if match.group(1) != b"nmaprun":
            raise ValidationError("not an nmap XML file (wrong DOCTYPE)", field="file")
    if content.count(b"<!DOCTYPE") > 1:
        raise ValidationError("more than one DOCTYPE", field="file")


def _host(element: ET.Element) -> NmapHost | None:
    status = element.find("status")
    if status is not None and status.get("state") != "up":
        return None
    ip = None
    mac = None
    vendor = ""
    for address in element.findall("address"):
        kind = address.get("addrtype", "")
        if kind in ("ipv4", "ipv6") and ip is None:
            ip = address.get("addr")
        elif kind == "mac":
            mac = (address.get("addr") or "").lower() or None
            vendor = address.get("vendor", "")[:128]
    if not ip:
        return None
    name_el = element.find("hostnames/hostname")
    hostname = (name_el.get("name", "") if name_el is not None else "")[:255]
    ports = []
    for port in element.iterfind("ports/port"):
        state = port.find("state")
        if state is not None and state.get("state") == "open":
            service = port.find("service")
            label = f"{port.get('portid', '?')}/{port.get('protocol', 'tcp')}"
            if service is not None and service.get("name"):
                label += f" {service.get('name')}"
            ports.append(label)
    return NmapHost(ip[:45], mac[:17] if mac else None, vendor, hostname, tuple(ports))


def _drain(parser: ET.XMLPullParser[ET.Element]) -> Iterator[tuple[str, ET.Element]]:
    for item in parser.read_events():
        if len(item) == 2 and isinstance(item[1], ET.Element):
            yield str(item[0]), item[1]


def _events(content: bytes) -> Iterator[tuple[str, ET.Element]]:
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    try:
        for start in range(0, len(content), CHUNK):
            parser.feed(content[start : start + CHUNK])
            yield from _drain(parser)
        parser.close()
        yield from _drain(parser)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ValidationError(
            f"malformed nmap XML at line {line}, column {column}: {exc}", field="file"
        ) from None


def parse_nmap_xml(content: bytes, *, max_bytes: int = 200 * 1024 * 1024) -> NmapScan:
    """The hosts that were up, with IP, MAC, vendor, hostname and open ports."""
    _guard(content, max_bytes)
    hosts: list[NmapHost] = []
    scanned_at: datetime | None = None
    root_seen = False
    depth = 0
    for event, element in _events(content):
        if event == "start":
            depth += 1
            if depth == 1:
                if element.tag != "nmaprun":
                    raise ValidationError(
                        f"not an nmap XML file: the root element is <{element.tag}>", field="file"
                    )
                root_seen = True
                start = element.get("start", "")
                if start.isdigit() and len(start) <= 12:
                    scanned_at = datetime.fromtimestamp(int(start), UTC)
            continue
        depth -= 1
        if element.tag == "host" and depth == 1:
            host = _host(element)
            if host is not None:
                hosts.append(host)
            element.clear()
    if not root_seen:
        raise ValidationError("not an nmap XML file: no <nmaprun> element", field="file")
    return NmapScan(scanned_at, hosts)
