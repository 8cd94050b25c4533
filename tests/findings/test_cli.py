from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import Cli, cli  # noqa: F401


def test_findings_commands(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    code, out = cli(
        "findings",
        "create",
        "--requirement",
        "A9.7",
        "--title",
        "鎖定門檻",
        "--ref",
        "115-01",
        "--due",
        "115/11/01",
        "--severity",
        "high",
    )
    assert code == 0, out
    finding_id = out.split()[-1]
    code, out = cli(
        "findings", "create", "--requirement", "A9.7", "--title", "x", "--severity", "apocalyptic"
    )
    assert code == 2
    code, out = cli("findings", "create", "--requirement", "A9.7", "--title", "x", "--due", "soon")
    assert code == 2
    code, out = cli("findings", "list", "--overdue", "--json")
    assert code == 0 and finding_id in out
    code, out = cli("findings", "list", "--status", "weird")
    assert code == 2
    code, out = cli("findings", "plan", finding_id, "--plan", "調整為 5 次")
    assert code == 0
    code, out = cli("findings", "from-check", "no.such.check")
    assert code == 2
    evidence = tmp_path / "proof.txt"
    evidence.write_text("threshold=5\n")
    code, out = cli("findings", "close", finding_id, "--note", "已上線", "--evidence", "bad")
    assert code == 2
    code, out = cli(
        "findings", "close", finding_id, "--note", "已上線", "--evidence-file", str(evidence)
    )
    assert code == 0, out
    remarks = tmp_path / "r.csv"
    remarks.write_text("意見編號,條文編號,缺失摘要\n115-02,A9.8,未覆核\n", encoding="utf-8-sig")
    code, out = cli("findings", "import", str(remarks))
    assert code == 0 and "loaded 1 of 1" in out
    out_file = tmp_path / "f.xlsx"
    code, out = cli("findings", "export", str(out_file))
    assert code == 0 and out_file.stat().st_size > 0
