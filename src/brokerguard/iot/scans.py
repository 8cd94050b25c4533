"""nmap scan imports (A7.1.1): hosts on the IoT network that the register does not know."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import get_settings
from brokerguard.db.base import new_uuid
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.iot.models import IotAsset, IotScan, IotScanHost
from brokerguard.iot.nmap import parse_nmap_xml
from brokerguard.iot.schemas import AssetStatus, ScanHostRecord, ScanRecord
from brokerguard.iot.settings import IotSettings


def import_scan(
    session: Session,
    clock: Clock,
    content: bytes,
    *,
    filename: str,
    imported_by: str,
    settings: IotSettings | None = None,
) -> ScanRecord:
    """Store a scan and flag each up host that matches no active asset by IP or MAC."""
    config = settings or get_settings().iot
    scan = parse_nmap_xml(content, max_bytes=config.nmap_max_bytes)
    by_ip: dict[str, str] = {}
    by_mac: dict[str, str] = {}
    for asset_id, ip, mac in session.execute(
        select(IotAsset.id, IotAsset.ip_address, IotAsset.mac).where(
            IotAsset.status == AssetStatus.active.value
        )
    ):
        if ip:
            by_ip[ip] = asset_id
        if mac:
            by_mac[mac] = asset_id
    record = IotScan(
        filename=(filename or "scan.xml")[:255],
        scanned_at=scan.scanned_at,
        imported_at=clock.now(),
        imported_by=imported_by,
        hosts_up=len(scan.hosts),
        unregistered=0,
    )
    session.add(record)
    session.flush()
    rows = []
    unregistered = 0
    for host in scan.hosts:
        match: str | None = by_ip.get(host.ip_address)
        if match is None and host.mac:
            match = by_mac.get(host.mac)
        if match is None:
            unregistered += 1
        rows.append(
            {
                "id": new_uuid(),
                "scan_id": record.id,
                "ip_address": host.ip_address,
                "mac": host.mac,
                "hostname": host.hostname,
                "mac_vendor": host.mac_vendor,
                "open_ports": ", ".join(host.open_ports)[:1024],
                "asset_id": match,
                "dismissed_reason": "",
            }
        )
    if rows:
        session.execute(insert(IotScanHost), rows)
    record.unregistered = unregistered
    session.flush()
    return ScanRecord.model_validate(record)


def latest_scan(session: Session) -> ScanRecord | None:
    row = session.scalar(select(IotScan).order_by(IotScan.imported_at.desc()).limit(1))
    return ScanRecord.model_validate(row) if row is not None else None


def list_scans(session: Session, *, limit: int = 50) -> list[ScanRecord]:
    rows = session.scalars(select(IotScan).order_by(IotScan.imported_at.desc()).limit(limit))
    return [ScanRecord.model_validate(r) for r in rows]


def scan_hosts(
    session: Session, scan_id: str, *, unregistered_only: bool = False
) -> list[ScanHostRecord]:
    if session.get(IotScan, scan_id) is None:
        raise NotFoundError(f"no scan with id {scan_id}", field="scan_id")
    query = select(IotScanHost).where(IotScanHost.scan_id == scan_id)
    if unregistered_only:
        query = query.where(IotScanHost.asset_id.is_(None), IotScanHost.dismissed_reason == "")
    return [
        ScanHostRecord.model_validate(r)
        for r in session.scalars(query.order_by(IotScanHost.ip_address))
    ]


def dismiss_host(session: Session, host_id: str, *, reason: str) -> ScanHostRecord:
    """Mark an unregistered host as not an IoT device (a PC, a printer server ...), with why."""
    row = session.get(IotScanHost, host_id)
    if row is None:
        raise NotFoundError(f"no scanned host with id {host_id}", field="host_id")
    text = reason.strip()
    if not text:
        raise ValidationError("say why the host is not an IoT device", field="reason")
    if len(text) > 2000:
        raise ValidationError("the reason is longer than 2000 characters", field="reason")
    was_open = row.asset_id is None and not row.dismissed_reason
    row.dismissed_reason = text
    scan = session.get(IotScan, row.scan_id)
    if scan is not None and was_open:
        scan.unregistered = max(0, scan.unregistered - 1)
    session.flush()
    return ScanHostRecord.model_validate(row)


def open_unregistered(session: Session, scan_id: str) -> list[ScanHostRecord]:
    return scan_hosts(session, scan_id, unregistered_only=True)
