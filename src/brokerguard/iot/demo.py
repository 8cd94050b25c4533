"""Demo firm: the IoT register of a mid-sized broker's head office.

Most devices are assessed and controlled; the PBX runs on an approved exception
(vendor support ended, firmware frozen); the old fax machine in the brokerage
department has no cybersecurity label and no recorded reason, and its
reassessment is overdue, so A7.2 and A7.3 show as gaps on the dashboard.
"""

from __future__ import annotations

from datetime import date, timedelta

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.iot import scans, service
from brokerguard.iot.schemas import AssessmentIn, AssetIn, ExceptionIn, VendorIn

PBX_NO_LABEL = "採購時（108 年）尚無物聯網資安標章制度；已以獨立語音網段隔離"

VENDORS = (
    ("安視達系統整合股份有限公司", "02-2655-1234 陳工程師", "CT-2024-017", True, 3 * 365),
    ("聯通電信設備股份有限公司", "02-2508-8899 服務中心", "CT-2019-044", True, -150),
    ("富士軟片商業創新台灣股份有限公司", "0800-008-820", "CT-2025-003", True, 4 * 365),
    ("研華科技股份有限公司", "02-2792-7818 業務部", "CT-2025-021", True, 5 * 365),
    ("全球傳真系統有限公司", "02-2375-6600", "PO-2016-112", True, 365),
)

#: tag, name, type, use, location, segment, ip, mac, admin, vendor, firmware, label, mgmt, bought
ASSETS = (
    (
        "DVR-1F-01",
        "大廳監視器 DVR",
        "dvr",
        "大廳及營業廳錄影（保存 90 日）",
        "1F 監控室",
        "VLAN30 監控",
        "10.30.0.11",
        "44:19:b6:1a:20:01",
        "總務部 張志明",
        VENDORS[0][0],
        "V4.32.005",
        True,
        True,
        date(2024, 3, 15),
    ),
    (
        "CAM-1F-01",
        "營業廳監視器（一）",
        "cctv",
        "營業廳錄影",
        "1F 營業廳",
        "VLAN30 監控",
        "10.30.0.21",
        "44:19:b6:1a:21:01",
        "總務部 張志明",
        VENDORS[0][0],
        "V5.7.3",
        True,
        True,
        date(2024, 3, 15),
    ),
    (
        "CAM-1F-02",
        "營業廳監視器（二）",
        "cctv",
        "營業廳錄影",
        "1F 營業廳",
        "VLAN30 監控",
        "10.30.0.22",
        "44:19:b6:1a:21:02",
        "總務部 張志明",
        VENDORS[0][0],
        "V5.7.3",
        True,
        True,
        date(2024, 3, 15),
    ),
    (
        "CAM-B1-01",
        "機房門禁監視器",
        "cctv",
        "機房出入錄影",
        "B1 機房",
        "VLAN30 監控",
        "10.30.0.31",
        "44:19:b6:1a:22:01",
        "資訊部 陳建宏",
        VENDORS[0][0],
        "V5.7.3",
        True,
        True,
        date(2025, 1, 10),
    ),
    (
        "PBX-B1-01",
        "總機 PBX",
        "pbx",
        "全公司電話交換",
        "B1 機房",
        "VLAN40 語音",
        "10.40.0.2",
        "00:0e:08:c1:00:02",
        "資訊部 陳建宏",
        VENDORS[1][0],
        "9.1.2",
        False,
        True,
        date(2019, 8, 1),
    ),
    (
        "REC-B1-01",
        "營業員電話錄音設備",
        "recorder",
        "下單電話錄音（保存 5 年）",
        "B1 機房",
        "VLAN40 語音",
        "10.40.0.5",
        "00:0e:08:c1:00:05",
        "資訊部 陳建宏",
        VENDORS[0][0],
        "6.4.0",
        True,
        True,
        date(2023, 5, 20),
    ),
    (
        "MFP-3F-01",
        "多功能事務機（經紀業務部）",
        "copier",
        "列印、掃描、影印",
        "3F 經紀業務部",
        "VLAN50 事務機",
        "10.50.0.31",
        "00:26:73:5a:03:01",
        "總務部 李美玲",
        VENDORS[2][0],
        "2.31.0",
        True,
        True,
        date(2025, 4, 1),
    ),
    (
        "MFP-5F-01",
        "多功能事務機（財務部）",
        "copier",
        "列印、掃描、影印",
        "5F 財務部",
        "VLAN50 事務機",
        "10.50.0.51",
        "00:26:73:5a:05:01",
        "總務部 李美玲",
        VENDORS[2][0],
        "2.31.0",
        True,
        True,
        date(2025, 4, 1),
    ),
    (
        "FAX-3F-01",
        "傳真機（委託書）",
        "fax",
        "客戶委託書傳真收件",
        "3F 經紀業務部",
        "VLAN50 事務機",
        "10.50.0.35",
        "00:80:77:3c:11:35",
        "經紀業務部 黃淑惠",
        VENDORS[4][0],
        "1.08",
        False,
        True,
        date(2016, 11, 2),
    ),
    (
        "SEN-B1-01",
        "機房溫濕度感測器（一）",
        "sensor",
        "機房環境監控",
        "B1 機房",
        "VLAN60 環控",
        "10.60.0.11",
        "00:d0:c9:aa:00:11",
        "資訊部 陳建宏",
        VENDORS[3][0],
        "1.2.7",
        True,
        False,
        date(2025, 2, 18),
    ),
    (
        "SEN-B1-02",
        "機房溫濕度感測器（二）",
        "sensor",
        "機房環境監控",
        "B1 機房",
        "VLAN60 環控",
        "10.60.0.12",
        "00:d0:c9:aa:00:12",
        "資訊部 陳建宏",
        VENDORS[3][0],
        "1.2.7",
        True,
        False,
        date(2025, 2, 18),
    ),
    (
        "SEN-B1-03",
        "機房漏水偵測感測器",
        "sensor",
        "機房漏水告警",
        "B1 機房",
        "VLAN60 環控",
        "10.60.0.13",
        "00:d0:c9:aa:00:13",
        "資訊部 陳建宏",
        VENDORS[3][0],
        "1.0.4",
        True,
        False,
        date(2025, 2, 18),
    ),
)


def load_demo(ctx: DemoContext) -> None:
    session, clock = ctx.session, ctx.clock
    day = today(clock)
    security = ctx.staff["security"].username if "security" in ctx.staff else "security"
    compliance = ctx.staff["compliance"].username if "compliance" in ctx.staff else "compliance"
    for name, contact, contract, clauses, support_days in VENDORS:
        service.create_vendor(
            session,
            clock,
            VendorIn(
                name=name,
                contact=contact,
                contract_ref=contract,
                security_clauses=clauses,
                support_end=day + timedelta(days=support_days),
            ),
        )
    for row in ASSETS:
        tag, name, kind, use, location, segment, ip, mac, admin, vendor, fw, label, mgmt, bought = (
            row
        )
        service.create_asset(
            session,
            clock,
            AssetIn.model_validate(
                {
                    "asset_tag": tag,
                    "name": name,
                    "device_type": kind,
                    "use": use,
                    "location": location,
                    "network_segment": segment,
                    "ip_address": ip,
                    "mac": mac,
                    "administrator": admin,
                    "vendor": vendor,
                    "model": "",
                    "firmware_version": fw,
                    "security_label": label,
                    "label_ref": f"IoT-標章-{tag}" if label else "",
                    "no_label_reason": PBX_NO_LABEL if tag == "PBX-B1-01" else "",
                    "management_interface": mgmt,
                    "purchased_on": bought,
                }
            ),
            actor=security,
        )
    for index, (tag, _name, _kind, *_rest) in enumerate(ASSETS):
        asset = service.get_asset_by_tag(session, tag)
        overdue = tag == "FAX-3F-01"
        assessed_on = day - timedelta(days=400) if overdue else day - timedelta(days=30 + 9 * index)
        full = not asset.reduced_scope
        service.record_assessment(
            session,
            clock,
            AssessmentIn(
                asset_tag=tag,
                assessed_on=assessed_on,
                assessor="資訊安全處 林佳蓉",
                default_credentials_changed=True if full else None,
                firmware_current=(tag != "PBX-B1-01") if full else None,
                permissions_restricted=True if full else None,
                network_isolated=True,
                remote_access_controlled=True,
                notes="原廠已停止韌體更新，改以例外控管" if tag == "PBX-B1-01" else "",
            ),
        )
    for control, reason, compensating in (
        (
            "A7.1.2",
            "原廠已停止提供韌體更新，設備替換已列入 116 年預算",
            "獨立語音 VLAN，僅允許總機管理站連線；每月檢視系統紀錄",
        ),
        (
            "A7.1.5",
            "原廠支援已終止，替換前由系統整合商提供延長維護",
            "延長維護合約含資安條款；備品庫存兩套",
        ),
    ):
        exception = service.request_exception(
            session,
            clock,
            ExceptionIn(
                asset_tag="PBX-B1-01",
                control=control,
                reason=reason,
                compensating_controls=compensating,
                expires_on=day + timedelta(days=200),
            ),
            requested_by=security,
        )
        service.decide_exception(session, clock, exception.id, approver=compliance, approve=True)
    scans.import_scan(
        session, clock, demo_scan(), filename="iot-vlans-115Q4.xml", imported_by=security
    )
    latest = scans.latest_scan(session)
    if latest is not None:
        for host in scans.open_unregistered(session, latest.id):
            scans.dismiss_host(
                session, host.id, reason="會議室訪客筆電（訪客網段誤接），已移除並通報總務部"
            )
    ctx.notes.append(
        f"iot: {len(ASSETS)} devices, {len(VENDORS)} vendors, PBX on two approved exceptions; "
        "fax machine without label reason and overdue for reassessment"
    )


def demo_scan() -> bytes:
    """An nmap XML of the IoT VLANs: every registered device plus one visitor laptop."""
    hosts = [(row[6], row[7]) for row in ASSETS] + [("10.50.0.199", "3c:22:fb:11:22:33")]
    body = "".join(
        f'<host><status state="up" reason="arp-response"/><address addr="{ip}" addrtype="ipv4"/>'
        f'<address addr="{mac.upper()}" addrtype="mac" vendor=""/>'
        '<ports><port protocol="tcp" portid="443"><state state="open"/>'
        '<service name="https"/></port></ports></host>'
        for ip, mac in hosts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
        '<nmaprun scanner="nmap" args="nmap -sS -oX - 10.30.0.0/16" start="1793500000">'
        f"{body}</nmaprun>"
    ).encode()
