"""Demo firm: company phones and laptops, a few enrolled personal phones, one rooted.

The MDM export also lists a personal phone that reaches the order system but was
never registered, so A6.2 shows a gap.
"""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.devices import service
from brokerguard.devices.schemas import DeviceIn, MdmRowIn

#: device ID, ownership, holder, unit, type, os, version, acknowledged days ago
DEVICES = (
    ("MDM-C-0001", "company", "陳怡君 協理", "經紀業務部", "phone", "ios", "17.6.1", 320),
    ("MDM-C-0002", "company", "吳宗翰 資訊長", "資訊部", "tablet", "ipados", "17.6", 300),
    ("MDM-C-0003", "company", "郭雅雯 稽核", "稽核室", "laptop", "windows", "10.0.22631", 280),
    ("MDM-C-0004", "company", "蔡明哲 經理", "自營部", "laptop", "macos", "14.6", 210),
    ("MDM-B-0101", "byod", "林志豪 營業員", "經紀業務部", "phone", "android", "14", 250),
    ("MDM-B-0102", "byod", "王淑芬 專員", "財務部", "phone", "ios", "17.5", 190),
    ("MDM-B-0103", "byod", "黃俊傑 交易員", "自營部", "phone", "android", "13", 160),
)

#: device ID, os, version, encrypted, passcode, compromised, hours since check-in
MDM = (
    ("MDM-C-0001", "ios", "17.6.1", True, True, False, 3),
    ("MDM-C-0002", "ipados", "17.6", True, True, False, 20),
    ("MDM-C-0003", "windows", "10.0.22631", True, True, False, 5),
    ("MDM-C-0004", "macos", "14.6", True, True, False, 30),
    ("MDM-B-0101", "android", "14", True, True, False, 2),
    ("MDM-B-0102", "ios", "17.5", True, True, False, 48),
    ("MDM-B-0103", "android", "13", True, True, True, 6),  # rooted
    ("MDM-B-0199", "android", "14", True, True, False, 10),  # not registered
)


def load_demo(ctx: DemoContext) -> None:
    session, clock = ctx.session, ctx.clock
    day = today(clock)
    actor = ctx.staff["security"].username if "security" in ctx.staff else "security"
    for device_id, ownership, holder, unit, kind, os_name, version, ack_days in DEVICES:
        service.register_device(
            session,
            clock,
            DeviceIn.model_validate(
                {
                    "device_id": device_id,
                    "serial": f"SN{ctx.rng.randrange(10**9, 10**10)}",
                    "ownership": ownership,
                    "holder": holder,
                    "unit": unit,
                    "device_type": kind,
                    "os": os_name,
                    "os_version": version,
                    "policy_ack_on": day - timedelta(days=ack_days),
                    "sensitive_access": True,
                }
            ),
            actor=actor,
        )
    now = clock.now()
    service.store_mdm_rows(
        session,
        clock,
        [
            MdmRowIn.model_validate(
                {
                    "device_id": device_id,
                    "os": os_name,
                    "os_version": version,
                    "encrypted": encrypted,
                    "passcode": passcode,
                    "compromised": compromised,
                    "last_checkin": now - timedelta(hours=hours),
                }
            )
            for device_id, os_name, version, encrypted, passcode, compromised, hours in MDM
        ],
        filename="intune-export-demo.csv",
        actor=actor,
    )
    ctx.notes.append(
        f"devices: {len(DEVICES)} registered (4 company, 3 BYOD), one rooted BYOD phone, "
        "one unregistered phone in the MDM export"
    )
