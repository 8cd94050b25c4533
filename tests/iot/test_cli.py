from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import Cli, cli  # noqa: F401
from tests.iot.nmap_samples import host, scan


def test_iot_commands(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    code, out = cli(
        "iot",
        "add",
        "DVR-01",
        "大廳監視器 DVR",
        "--type",
        "dvr",
        "--set",
        "ip_address=10.30.0.5",
        "--set",
        "vendor=海康",
        "--by",
        "alice",
    )
    assert code == 0, out
    code, out = cli("iot", "add", "DVR-01", "again", "--type", "dvr")
    assert code == 1 and "already registered" in out
    code, out = cli("iot", "add", "X-1", "x", "--type", "toaster")
    assert code == 2 and "device_type" in out
    code, out = cli("iot", "add", "X-1", "x", "--type", "dvr", "--set", "novalue")
    assert code == 2 and "field=value" in out
    code, out = cli("iot", "edit", "DVR-01", "--set", "firmware_version=V5.7")
    assert code == 0, out
    code, out = cli("iot", "edit", "DVR-01", "--set", "colour=red")
    assert code == 2 and "unknown field" in out
    code, out = cli("iot", "edit", "NOPE", "--set", "name=x")
    assert code == 2
    code, out = cli("iot", "list", "--json")
    assert code == 0 and "V5.7" in out
    code, out = cli("iot", "list", "--type", "toaster")
    assert code == 2

    csv_file = tmp_path / "assets.csv"
    csv_file.write_bytes(
        "asset tag,name,device type\nSEN-01,感測器,sensor\nB,壞,x\n".encode("cp950")
    )
    code, out = cli("iot", "import", str(csv_file))
    assert code == 2 and "nothing was loaded" in out
    code, out = cli("iot", "import", str(csv_file), "--mode", "valid_rows")
    assert code == 0 and "loaded 1 of 2" in out
    code, out = cli("iot", "import", str(csv_file), "--mode", "bogus")
    assert code == 2
    code, out = cli("iot", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in out
    out_file = tmp_path / "out.xlsx"
    code, out = cli("iot", "export", str(out_file))
    assert code == 0 and out_file.read_bytes().startswith(b"PK")
    code, out = cli("iot", "export", str(tmp_path / "out.pdf"))
    assert code == 2

    code, out = cli(
        "iot",
        "assess",
        "DVR-01",
        "--assessor",
        "林",
        "--network-isolated",
        "yes",
        "--remote-access-controlled",
        "yes",
        "--firmware-current",
        "no",
        "--default-credentials-changed",
        "yes",
        "--permissions-restricted",
        "yes",
        "--on",
        "115/06/01",
    )
    assert code == 0 and "2027-06-01" in out
    code, out = cli(
        "iot",
        "assess",
        "DVR-01",
        "--assessor",
        "林",
        "--network-isolated",
        "maybe",
        "--remote-access-controlled",
        "yes",
    )
    assert code == 2

    code, out = cli(
        "iot",
        "exception-request",
        "DVR-01",
        "--control",
        "A7.1.2",
        "--reason",
        "停更",
        "--compensating-controls",
        "隔離",
        "--expires-on",
        "2027-01-31",
        "--by",
        "alice",
    )
    assert code == 0, out
    exception_id = out.split()[-1]
    code, out = cli(
        "iot", "exception-decide", exception_id, "--decision", "approve", "--approver", "alice"
    )
    assert code == 1 and "own exception" in out
    code, out = cli("iot", "exception-decide", exception_id, "--decision", "maybe")
    assert code == 2
    code, out = cli(
        "iot", "exception-decide", exception_id, "--decision", "approve", "--approver", "bob"
    )
    assert code == 0 and "approved" in out

    xml = tmp_path / "scan.xml"
    xml.write_bytes(scan(host("10.30.0.5"), host("10.30.0.99")))
    code, out = cli("iot", "scan-import", str(xml))
    assert code == 1 and "10.30.0.99" in out
    xml.write_bytes(b"<nmaprun><host>")
    code, out = cli("iot", "scan-import", str(xml))
    assert code == 2 and "malformed" in out
