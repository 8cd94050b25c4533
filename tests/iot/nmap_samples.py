"""nmap XML written the way ``nmap -oX`` writes it."""

from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
    '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n'
    '<nmaprun scanner="nmap" args="nmap -sS -oX scan.xml 10.30.0.0/24" start="1795564800" '
    'version="7.94" xmloutputversion="1.05">\n'
)


def host(
    ip: str,
    mac: str | None = None,
    vendor: str = "",
    state: str = "up",
    ports: tuple[int, ...] = (80,),
) -> str:
    mac_xml = f'<address addr="{mac}" addrtype="mac" vendor="{vendor}"/>' if mac else ""
    port_xml = "".join(
        f'<port protocol="tcp" portid="{p}"><state state="open" reason="syn-ack"/>'
        f'<service name="http" method="table" conf="3"/></port>'
        for p in ports
    )
    return (
        f'<host starttime="1795564801" endtime="1795564830">'
        f'<status state="{state}" reason="arp-response"/>'
        f'<address addr="{ip}" addrtype="ipv4"/>{mac_xml}'
        f'<hostnames><hostname name="h-{ip.replace(".", "-")}" type="PTR"/></hostnames>'
        f"<ports>{port_xml}</ports></host>\n"
    )


def scan(*hosts: str) -> bytes:
    return (
        HEADER + "".join(hosts) + '<runstats><finished time="1795564900"/></runstats></nmaprun>\n'
    ).encode()
