"""``brokerguard rulebook ...`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brokerguard.cli.main import app
from brokerguard.rulebook import load_rulebook
from tests.rulebook.oscal_shape import catalog_problems

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rulebook", *args])
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> Any:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)


def test_list_all_as_json() -> None:
    data = run_json("list", "--json")
    ids = [r["id"] for r in data["requirements"]]
    assert data["count"] == len(load_rulebook()) == len(ids)
    assert ids[0] == "A1" and ids[-1] == "A13"


def test_list_filters_by_article_and_kind() -> None:
    data = run_json("list", "--article", "7", "--kind", "policy", "--json")
    ids = [r["id"] for r in data["requirements"]]
    assert ids == [
        "A7.1",
        "A7.1.1",
        "A7.1.2",
        "A7.1.3",
        "A7.1.4",
        "A7.1.5",
        "A7.1.6",
        "A7.1.7",
        "A7.3",
    ]
    assert all(r["kind"] == "policy" for r in data["requirements"])
    definitions = run_json("list", "-k", "DEFINITION", "--json")
    assert definitions["count"] == 8


def test_list_as_table() -> None:
    code, out, _ = run("list", "--article", "9")
    assert code == 0
    assert "A9.7" in out and "A9.1.3" in out and "A8.1" not in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("list", "--article", "14"), "unknown article 14"),
        (("list", "--article", "0"), "unknown article 0"),
        (("list", "--article", "-3"), "unknown article -3"),
        (("list", "--kind", "magic"), "unknown kind 'magic'"),
        (("list", "--kind", "x" * 10_000), "unknown kind"),
        (("list", "--kind", "[bold]policy"), "[bold]policy"),
    ],
)
def test_list_bad_filters_exit_2(args: tuple[str, ...], words: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert words in err.replace("\n", "")


def test_list_non_numeric_article_is_a_usage_error() -> None:
    code, _, err = run("list", "--article", "nine")
    assert code == 2 and "Invalid value for '--article'" in err


def test_show_json_has_text_parent_children_and_checks() -> None:
    data = run_json("show", "A9.1", "--json")
    rulebook = load_rulebook()
    assert data["text_zh"] == rulebook.get("A9.1").text_zh
    assert data["text_en"] == rulebook.get("A9.1").text_en
    assert data["children"] == ["A9.1.1", "A9.1.2", "A9.1.3"]
    assert data["parent"] is None
    assert data["evidence_kinds"] == ["system_configuration", "login_records"]
    assert isinstance(data["checks"], list)
    child = run_json("show", "A6.3.1.3", "--json")
    assert child["parent"] == "A6.3.1" and child["children"] == []


def test_show_json_one_language() -> None:
    english = run_json("show", "A9.7", "--json", "--lang", "en")
    assert "text_zh" not in english and english["text_en"].startswith("Strong-password")
    chinese = run_json("show", "A9.7", "--json", "--lang", "zh-TW")
    assert "text_en" not in chinese and "5次" in chinese["text_zh"]


def test_show_text_both_languages() -> None:
    code, out, _ = run("show", "A9.7")
    assert code == 0
    assert "優質密碼" in out and "Strong-password" in out
    code, out, _ = run("show", "A9.7", "--lang", "en")
    assert code == 0 and "優質密碼" not in out and "Kind: Technical control (technical)" in out
    code, out, _ = run("show", "A9.7", "--lang", "zh-TW")
    assert code == 0 and "Strong" not in out and "類型: 技術控制 (technical)" in out


def test_show_lists_the_checks_bound_in_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from brokerguard.assessment.registry import CheckDefinition, CheckRegistry, CheckResult
    from brokerguard.rulebook import cli as rulebook_cli

    registry = CheckRegistry()

    def probe(ctx: object) -> CheckResult:
        return CheckResult.manual("人工", "manual")

    registry.register(CheckDefinition("demo.lockout", ("A9.7",), "鎖定", "Lockout", probe))
    registry.register(CheckDefinition("demo.other", ("A9.8",), "其他", "Other", probe))
    monkeypatch.setattr(rulebook_cli, "loaded_registry", lambda: registry)
    data = run_json("show", "A9.7", "--json")
    assert [c["id"] for c in data["checks"]] == ["demo.lockout"]
    code, out, _ = run("show", "A9.7")
    assert code == 0
    assert "demo.lockout: 鎖定 / Lockout" in out and "demo.other" not in out


@pytest.mark.parametrize(
    ("requirement_id", "shown"),
    [
        ("A9.99", "'A9.99'"),
        ("a9.7", "'a9.7'"),
        ("A9.7 ", "'A9.7 '"),
        ("", "''"),
        ("[red]A9", "'[red]A9'"),
        ("A9\x1b[31m", "'A9\\x1b[31m'"),
        ("A" * 5000, "'" + "A" * 32 + "…'"),
        ("../../etc/passwd", "'../../etc/passwd'"),
    ],
)
def test_show_unknown_id_exits_2_naming_it(requirement_id: str, shown: str) -> None:
    code, out, err = run("show", requirement_id)
    assert code == 2
    assert out == ""
    assert f"unknown requirement ID: {shown}" in err.replace("\n", "")


def test_export_oscal_catalog(tmp_path: Path) -> None:
    target = tmp_path / "catalog.json"
    code, out, err = run("export", "--format", "oscal-catalog", "-o", str(target))
    assert code == 0, err
    assert "65 controls" in out
    problems, found = catalog_problems(json.loads(target.read_text(encoding="utf-8")))
    assert problems == [] and len(found) == len(load_rulebook())
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]


def test_export_to_stdout() -> None:
    document = run_json("export", "-o", "-")
    assert document["catalog"]["metadata"]["oscal-version"].startswith("1.1")


@pytest.mark.parametrize(
    ("output", "words"),
    [
        ("{tmp}/missing/dir/out.json", "does not exist"),
        ("{tmp}", "is a directory"),
        ("   ", "give an output file"),
    ],
)
def test_export_bad_output_exits_2(tmp_path: Path, output: str, words: str) -> None:
    code, _, err = run("export", "-o", output.format(tmp=tmp_path))
    assert code == 2
    assert words in err.replace("\n", "")


def test_export_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("export", "--format", "csv", "-o", str(tmp_path / "x"))
    assert code == 2 and "csv" in err
    assert not (tmp_path / "x").exists()


def test_export_needs_an_output() -> None:
    code, _, err = run("export")
    assert code == 2 and "--output" in err


def test_validate_packaged_and_broken_directory(tmp_path: Path) -> None:
    code, out, _ = run("validate")
    assert code == 0 and "rulebook OK: 65 entries in 13 articles" in out.replace("\n", " ")
    (tmp_path / "art09.yaml").write_text("article: 9\ntitle_zh: x\n", encoding="utf-8")
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and "art09.yaml:1: missing field 'title_en'" in err
    code, _, err = run("validate", str(tmp_path / "nope"))
    assert code == 2 and "is not a directory" in err.replace("\n", "")


def test_templates_listing() -> None:
    data = run_json("templates", "--json")
    assert [t["name"] for t in data] == [
        "art05-social-media",
        "art06-mobile-devices-and-apps",
        "art07-iot-devices",
    ]
    assert "A6.3.1.4" in data[1]["requirement_ids"]
    code, out, _ = run("templates")
    assert code == 0 and "物聯網設備資訊安全管理辦法" in out


def test_template_to_stdout_and_file(tmp_path: Path) -> None:
    code, out, _ = run("template", "art05-social-media")
    assert code == 0 and out.startswith("# 社群媒體資訊安全管理辦法（範本）")
    target = tmp_path / "policy.md"
    code, _, err = run("template", "art06-mobile-devices-and-apps", "-o", str(target))
    assert code == 0, err
    assert "[A6.3.3.1]" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["../art05-social-media", "", "nope", "x" * 3000])
def test_unknown_template_exits_2(name: str) -> None:
    code, out, err = run("template", name)
    assert code == 2 and out == ""
    assert "no policy template named" in err.replace("\n", "")


def test_template_to_missing_directory_exits_2(tmp_path: Path) -> None:
    code, _, err = run("template", "art07-iot-devices", "-o", str(tmp_path / "no" / "x.md"))
    assert code == 2 and "does not exist" in err.replace("\n", "")


def test_list_json_carries_bound_check_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    from brokerguard.assessment.registry import CheckDefinition, CheckRegistry, CheckResult
    from brokerguard.rulebook import cli as rulebook_cli

    registry = CheckRegistry()

    def probe(ctx: object) -> CheckResult:
        return CheckResult.manual("人工", "manual")

    registry.register(CheckDefinition("demo.a", ("A9.7", "A9.8"), "甲", "A", probe))
    registry.register(CheckDefinition("demo.b", ("A9.7",), "乙", "B", probe))
    monkeypatch.setattr(rulebook_cli, "loaded_registry", lambda: registry)
    data = run_json("list", "--article", "9", "--json")
    checks = {r["id"]: r["check_ids"] for r in data["requirements"]}
    assert checks["A9.7"] == ["demo.a", "demo.b"]
    assert checks["A9.8"] == ["demo.a"]
    assert checks["A9.9"] == []


def test_export_catalog_with_run_is_refused(tmp_path: Path) -> None:
    code, _, err = run("export", "-o", str(tmp_path / "x.json"), "--run", "abc")
    assert code == 2 and "--run goes with" in err.replace("\n", "")


def test_show_names_the_covering_template() -> None:
    data = run_json("show", "A7.1.6", "--json")
    assert data["templates"] == ["art07-iot-devices"]
    assert run_json("show", "A9.7", "--json")["templates"] == []
    code, out, _ = run("show", "A5.3.1", "--lang", "en")
    assert code == 0 and "Policy templates: art05-social-media" in out
