from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import Cli, cli  # noqa: F401


def test_devices_commands(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    code, out = cli(
        "devices",
        "add",
        "MDM-001",
        "--ownership",
        "company",
        "--holder",
        "陳經理",
        "--unit",
        "經紀業務部",
        "--type",
        "phone",
        "--os",
        "ios",
        "--set",
        "os_version=17.5",
        "--set",
        "policy_ack_on=115/13/15",
    )
    assert code == 2 and "policy_ack_on" in out
    code, out = cli(
        "devices",
        "add",
        "MDM-001",
        "--ownership",
        "company",
        "--holder",
        "陳經理",
        "--unit",
        "經紀業務部",
        "--type",
        "phone",
        "--os",
        "ios",
        "--set",
        "os_version=17.5",
        "--set",
        "policy_ack_on=115/01/15",
    )
    assert code == 0, out
    code, out = cli("devices", "list", "--json")
    assert "2026-01-15" in out
    code, out = cli(
        "devices",
        "add",
        "MDM-002",
        "--ownership",
        "rented",
        "--holder",
        "x",
        "--unit",
        "u",
        "--type",
        "phone",
        "--os",
        "ios",
    )
    assert code == 2
    code, out = cli("devices", "list", "--ownership", "nope")
    assert code == 2
    code, out = cli("devices", "edit", "MDM-001", "--set", "unit=財務部")
    assert code == 0
    mdm = tmp_path / "mdm.json"
    mdm.write_text(
        '[{"deviceId": "MDM-001", "os": "ios", "osVersion": "17.5", "encrypted": true,'
        '"passcode": true, "rooted": true, "lastSeen": "2026-11-25T08:00:00+08:00"}]'
    )
    code, out = cli("devices", "mdm-import", str(mdm))
    assert code == 1 and "non-compliant 1" in out
    code, out = cli("devices", "compliance", "--problems-only")
    assert code == 1 and "rooted" in out
    mdm.write_text("{broken")
    code, out = cli("devices", "mdm-import", str(mdm))
    assert code == 2
    out_file = tmp_path / "d.csv"
    code, out = cli("devices", "export", str(out_file))
    assert code == 0 and "財務部" in out_file.read_text(encoding="utf-8-sig")
