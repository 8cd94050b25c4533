"""Register imports at scale: 10,000 IoT assets from CSV and a 10,000-host nmap XML.

Both run against a fresh, migrated SQLite database in a temporary folder, through
the same service functions the web UI and the CLI call.
"""

from __future__ import annotations

import csv
import io
import resource
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from benchmarks.metric import Metric
from brokerguard.clock import SystemClock
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.iot import scans, tables
from brokerguard.tabular import ImportMode

N = 10_000
TYPES = ("dvr", "pbx", "fax", "recorder", "copier", "cctv", "sensor", "other")


def ip_of(index: int) -> str:
    return f"10.{30 + index // 65000}.{(index // 250) % 256}.{index % 250 + 1}"


def mac_of(index: int) -> str:
    return "02:00:" + ":".join(f"{(index >> s) & 0xFF:02x}" for s in (24, 16, 8, 0))


def assets_csv(count: int = N) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "財產編號",
            "設備名稱",
            "設備類型",
            "放置地點",
            "網段",
            "IP位址",
            "MAC位址",
            "管理人員",
            "供應商",
            "韌體版本",
            "資安標章",
            "具管理介面",
            "採購日期",
        ]
    )
    for i in range(count):
        kind = TYPES[i % len(TYPES)]
        writer.writerow(
            [
                f"IOT-{i:06d}",
                f"設備 {i}",
                kind,
                f"{i % 20 + 1}F",
                f"VLAN{30 + i % 8}",
                ip_of(i),
                mac_of(i),
                "資訊部",
                f"廠商 {i % 50}",
                f"{i % 9}.{i % 7}.{i % 5}",
                "是" if i % 3 else "否",
                "否" if kind == "sensor" else "是",
                f"{110 + i % 5}/{i % 12 + 1:02d}/{i % 28 + 1:02d}",
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def nmap_xml(count: int = N) -> bytes:
    """Hosts 0..count-1; every other one is a registered asset (by IP), the rest are not."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
        '<nmaprun scanner="nmap" args="nmap -sS -oX - 10.30.0.0/16" start="1793500000">\n'
    ]
    for i in range(count):
        index = i if i % 2 == 0 else N + i
        parts.append(
            f'<host starttime="1793500001" endtime="1793500009"><status state="up" reason="arp"/>'
            f'<address addr="{ip_of(index)}" addrtype="ipv4"/>'
            f'<address addr="{mac_of(index).upper()}" addrtype="mac" vendor="Vendor {i % 40}"/>'
            f'<hostnames><hostname name="h{i}.iot.example" type="PTR"/></hostnames>'
            '<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/>'
            '<service name="http"/></port><port protocol="tcp" portid="443">'
            '<state state="open" reason="syn-ack"/><service name="https"/></port></ports></host>\n'
        )
    parts.append('<runstats><finished time="1793500100"/></runstats></nmaprun>\n')
    return "".join(parts).encode()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> Iterable[Metric]:
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate.upgrade(engine)
        factory = session_factory(engine)
        content = assets_csv()
        started = time.perf_counter()
        with session_scope(factory) as session:
            outcome = tables.import_assets(
                session,
                clock,
                content,
                "assets.csv",
                mode=ImportMode.all_or_nothing,
                actor="bench",
            )
        elapsed = time.perf_counter() - started
        assert outcome.loaded == N, outcome.errors[:3]
        yield Metric("registers", "iot_import_10k_s", elapsed, "s", "< 30")

        xml = nmap_xml()
        started = time.perf_counter()
        with session_scope(factory) as session:
            record = scans.import_scan(
                session, clock, xml, filename="scan.xml", imported_by="bench"
            )
        elapsed = time.perf_counter() - started
        assert record.hosts_up == N and record.unregistered == N // 2, record
        yield Metric("registers", "nmap_import_10k_s", elapsed, "s", "< 30")
        engine.dispose()
    yield Metric("registers", "peak_rss_mb", peak_rss_mb(), "MB", "< 500")
