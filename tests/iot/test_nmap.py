from __future__ import annotations

import pytest

from brokerguard.errors import PayloadTooLargeError, ValidationError
from brokerguard.iot.nmap import parse_nmap_xml
from tests.iot.nmap_samples import host, scan


def test_reads_up_hosts_with_mac_vendor_and_ports() -> None:
    content = scan(
        host("10.30.0.5", "00:11:22:AA:BB:CC", "Hikvision", ports=(80, 554)),
        host("10.30.0.6", state="down"),
        host("10.30.0.7"),
    )
    result = parse_nmap_xml(content)
    assert [h.ip_address for h in result.hosts] == ["10.30.0.5", "10.30.0.7"]
    first = result.hosts[0]
    assert first.mac == "00:11:22:aa:bb:cc"
    assert first.mac_vendor == "Hikvision"
    assert first.open_ports == ("80/tcp http", "554/tcp http")
    assert first.hostname == "h-10-30-0-5"
    assert result.scanned_at is not None and result.scanned_at.year == 2026


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<nmaprun>&lol2;</nmaprun>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:1/evil.dtd">
<nmaprun></nmaprun>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><nmaprun>&xxe;</nmaprun>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "entity"),
        (EXTERNAL, "DTD"),
        (EXTERNAL_ENTITY, "entity"),
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<nmaprun><host>", "malformed nmap XML at line 1"),
        (b"<nmaprun>\n<host></nmaprun>", "line 2"),
        (b"not xml at all", "malformed"),
        (b'<?xml version="1.0"?><html><body/></html>', "root element is <html>"),
        (b"<!DOCTYPE html><html/>", "wrong DOCTYPE"),
        ("<nmaprun/>".encode("utf-16"), "UTF-8"),
        (b"<nmaprun>\x00</nmaprun>", "UTF-8"),
        (b"<nmaprun>&undefined;</nmaprun>", "malformed"),
    ],
)
def test_refuses_hostile_and_malformed_xml(content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_nmap_xml(content)
    assert message in caught.value.message
    assert caught.value.field == "file"


def test_refuses_oversized_file() -> None:
    content = scan(*(host(f"10.30.{i // 250}.{i % 250 + 1}") for i in range(50)))
    with pytest.raises(PayloadTooLargeError):
        parse_nmap_xml(content, max_bytes=1000)


def test_host_without_ip_is_skipped() -> None:
    content = scan(
        '<host><status state="up"/><address addr="00:11:22:33:44:55" addrtype="mac"/></host>'
    )
    assert parse_nmap_xml(content).hosts == []
