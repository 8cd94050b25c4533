"""The zh-TW policy templates of Arts. 5-7 and the IDs they cover."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerguard.errors import NotFoundError, RulebookError
from brokerguard.rulebook import RequirementKind, load_rulebook
from brokerguard.rulebook.templates import (
    get_template,
    list_templates,
    requirement_ids_in,
    templates_covering,
    unknown_template_ids,
)

EXPECTED = {
    "art05-social-media": 5,
    "art06-mobile-devices-and-apps": 6,
    "art07-iot-devices": 7,
}
SECTIONS = ("目的", "適用範圍", "用詞定義", "權責", "紀錄保存", "例外控管", "檢討及修訂")
ROLES = ("資安專責單位", "法遵單位", "稽核")


def test_the_three_templates_are_listed() -> None:
    templates = list_templates()
    assert {t.name: t.article for t in templates} == EXPECTED
    for template in templates:
        assert template.title.endswith("（範本）")
        assert template.filename == template.name + ".zh-TW.md"


def policy_ids_of_arts_5_to_7() -> list[str]:
    rulebook = load_rulebook()
    return [r.id for r in rulebook.of_kind(RequirementKind.policy) if r.article in (5, 6, 7)]


def test_every_policy_requirement_of_arts_5_to_7_is_covered() -> None:
    ids = policy_ids_of_arts_5_to_7()
    assert len(ids) >= 20
    uncovered = [rid for rid in ids if not templates_covering(rid)]
    assert uncovered == []


def test_each_template_covers_its_own_article_completely() -> None:
    rulebook = load_rulebook()
    for template in list_templates():
        article_ids = {r.id for r in rulebook.in_article(template.article)}
        assert article_ids <= set(template.requirement_ids), template.name


def test_coverage_check_fails_for_a_template_set_missing_an_id(tmp_path: Path) -> None:
    source = get_template("art05-social-media").text()
    trimmed = source.replace("[A5.3.2]", "")
    (tmp_path / "art05-social-media.zh-TW.md").write_text(trimmed, encoding="utf-8")
    assert templates_covering("A5.3.2", tmp_path) == []
    assert templates_covering("A5.3.1", tmp_path)[0].name == "art05-social-media"


def test_template_ids_are_all_in_the_rulebook() -> None:
    assert unknown_template_ids(load_rulebook()) == []


def test_unknown_ids_in_a_template_are_reported(tmp_path: Path) -> None:
    (tmp_path / "art05-x.zh-TW.md").write_text("# 範本\n\n內容 [A5.9] [A5.1]\n", encoding="utf-8")
    assert unknown_template_ids(load_rulebook(), tmp_path) == ["art05-x: A5.9"]


@pytest.mark.parametrize("name", EXPECTED)
def test_templates_are_real_policy_documents(name: str) -> None:
    text = get_template(name).text()
    for section in SECTIONS:
        assert "## 第" in text and section in text, (name, section)
    for role in ROLES:
        assert role in text, (name, role)
    assert "每年" in text
    assert "TODO" not in text and "lorem" not in text.lower()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("[A5.1] 及 [A5.3.1]、[A5.1]", ("A5.1", "A5.3.1")),
        ("[A6.3.1.4][D2.3]", ("D2.3", "A6.3.1.4")),
        ("A5.1 [a5.1] [A5.] [A5.1 ] [ A5.1] [A123.1] [B5.1] [A5.1.x]", ()),
        ("", ()),
        ("[" * 10_000 + "A5.1" + "]" * 10_000, ("A5.1",)),
    ],
)
def test_bracket_parsing(text: str, ids: tuple[str, ...]) -> None:
    assert requirement_ids_in(text) == ids


@pytest.mark.parametrize(
    "name",
    [
        "",
        "nope",
        "../rulebook",
        "art05-social-media.zh-TW.md",
        "ART05-SOCIAL-MEDIA",
        "a" * 500,
        "art05-social-media\x00",
        "/etc/passwd",
    ],
)
def test_unknown_template_names_are_not_found(name: str) -> None:
    with pytest.raises(NotFoundError) as info:
        get_template(name)
    assert info.value.field == "template"
    assert "no policy template named" in info.value.message


def test_template_without_title_or_article_prefix(tmp_path: Path) -> None:
    (tmp_path / "art05-a.zh-TW.md").write_text("no title [A5.1]\n", encoding="utf-8")
    with pytest.raises(RulebookError, match="title"):
        list_templates(tmp_path)
    (tmp_path / "art05-a.zh-TW.md").unlink()
    (tmp_path / "social.zh-TW.md").write_text("# 標題\n", encoding="utf-8")
    with pytest.raises(RulebookError, match="artNN-"):
        list_templates(tmp_path)
