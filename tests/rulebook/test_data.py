"""The packaged rulebook against the requirement catalogue and the Chinese original."""

from __future__ import annotations

import re

import pytest

from brokerguard.assessment.registry import CheckDefinition, CheckRegistry, CheckResult
from brokerguard.rulebook import RequirementKind, load_rulebook
from brokerguard.rulebook.bindings import loaded_registry, unknown_bindings
from brokerguard.rulebook.model import Rulebook
from tests.conftest import REGULATION

CATALOGUE = REGULATION / "requirements.en.md"
ORIGINAL = REGULATION / "emerging-tech-cybersecurity-rules.zh-TW.txt"
DEFINITIONS = {f"D2.{n}" for n in range(1, 9)}
NON_OBLIGATIONS = {"A1", "A12", "A13"}


def catalogue_ids(text: str) -> set[str]:
    return set(re.findall(r"\*\*(A\d+(?:\.\d+)*)\*\*", text))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def structural_parents(ids: set[str]) -> set[str]:
    """Every proper dotted prefix below article level: A6.3.1.2 -> A6.3.1, A6.3."""
    out: set[str] = set()
    for requirement_id in ids:
        parts = requirement_id.split(".")
        for end in range(2, len(parts)):
            out.add(".".join(parts[:end]))
    return out


def missing_and_unknown(rulebook_ids: set[str], catalogue: set[str]) -> tuple[set[str], set[str]]:
    expected = catalogue | DEFINITIONS | NON_OBLIGATIONS
    allowed = expected | structural_parents(catalogue)
    return expected - rulebook_ids, rulebook_ids - allowed


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook()


def test_catalogue_parses_to_the_known_ids() -> None:
    ids = catalogue_ids(CATALOGUE.read_text(encoding="utf-8"))
    assert {"A3.1", "A6.3.3.3", "A7.1.7", "A9.9", "A11.1"} <= ids
    assert len(ids) == 53


def test_every_catalogue_id_is_in_the_rulebook_and_nothing_else(rulebook: Rulebook) -> None:
    catalogue = catalogue_ids(CATALOGUE.read_text(encoding="utf-8"))
    missing, unknown = missing_and_unknown(set(rulebook.requirements), catalogue)
    assert missing == set(), f"missing from the rulebook: {sorted(missing)}"
    assert unknown == set(), f"in the rulebook but not in the catalogue: {sorted(unknown)}"


def test_completeness_check_detects_a_missing_and_an_unknown_id() -> None:
    catalogue = {"A9.1", "A9.1.1", "A9.2"}
    ids = {"A9.1", "A9.1.1", "A9.77"} | DEFINITIONS | NON_OBLIGATIONS
    missing, unknown = missing_and_unknown(ids, catalogue)
    assert missing == {"A9.2"}
    assert unknown == {"A9.77"}


def test_parent_entries_exist_for_grouping_ids(rulebook: Rulebook) -> None:
    for parent in ("A5.3", "A5.4", "A6.3", "A6.3.1", "A6.3.2", "A6.3.3", "A7.1", "A9.1"):
        assert parent in rulebook
        assert rulebook.children(parent), parent


def test_parents_follow_the_id_structure(rulebook: Rulebook) -> None:
    for requirement in rulebook:
        prefix = requirement.id.rsplit(".", 1)[0] if requirement.id.count(".") >= 2 else None
        if prefix is not None and prefix in rulebook:
            assert requirement.parent == prefix, requirement.id
        elif requirement.parent is not None:
            assert requirement.id.startswith(requirement.parent + "."), requirement.id


def test_every_zh_text_is_verbatim_from_the_original(rulebook: Rulebook) -> None:
    original = squeeze(ORIGINAL.read_text(encoding="utf-8"))
    not_found = [r.id for r in rulebook if squeeze(r.text_zh) not in original]
    assert not_found == []


def test_verbatim_check_catches_an_edited_sentence() -> None:
    original = squeeze(ORIGINAL.read_text(encoding="utf-8"))
    edited = "證券商應使用優質密碼設定並進行管控，確實執行密碼輸入錯誤次數達3次者應予帳號鎖定。"
    assert squeeze(edited) not in original


def test_kinds_and_articles(rulebook: Rulebook) -> None:
    assert {r.id for r in rulebook.of_kind(RequirementKind.definition)} == DEFINITIONS
    assert {r.id for r in rulebook.of_kind(RequirementKind.procedural)} == NON_OBLIGATIONS
    assert {r.id for r in rulebook.of_kind(RequirementKind.referenced)} >= {"A4.1", "A11.1"}
    assert sorted(rulebook.articles) == list(range(1, 14))
    for requirement_id in ("A5.1", "A6.1", "A6.2", "A7.1.1", "A7.1.6"):
        assert rulebook.get(requirement_id).kind is RequirementKind.policy
    for requirement in rulebook.obligations():
        assert requirement.text_en and requirement.title_zh and requirement.title_en
        assert requirement.evidence_kinds, requirement.id


def test_reading_order_puts_definitions_after_article_1(rulebook: Rulebook) -> None:
    ids = [r.id for r in rulebook]
    assert ids[:3] == ["A1", "D2.1", "D2.2"]
    assert ids.index("A9.9") < ids.index("A10.1") < ids.index("A13")


def test_registered_checks_name_only_known_ids(rulebook: Rulebook) -> None:
    problems = unknown_bindings(loaded_registry(), rulebook)
    assert problems == [], [str(p) for p in problems]


def test_binding_check_reports_a_check_with_an_unknown_id(rulebook: Rulebook) -> None:
    registry = CheckRegistry()

    def probe(ctx: object) -> CheckResult:
        return CheckResult.manual("人工", "manual")

    registry.register(CheckDefinition("demo.good", ("A9.7",), "好", "good", probe))
    registry.register(CheckDefinition("demo.bad", ("A9.7", "A99.1"), "壞", "bad", probe))
    problems = unknown_bindings(registry, rulebook)
    assert [(p.check_id, p.requirement_id) for p in problems] == [("demo.bad", "A99.1")]
    assert "A99.1" in str(problems[0])


def test_every_technical_and_record_requirement_has_an_automated_check(
    rulebook: Rulebook,
) -> None:
    """ADR 0003: the real registry binds a check to every technical and record requirement."""
    from brokerguard.assessment.registry import load_all_checks
    from brokerguard.rulebook.bindings import unknown_bindings, without_checks

    registry = load_all_checks()
    assert [r.id for r in without_checks(registry, rulebook)] == []
    assert unknown_bindings(registry, rulebook) == []


def test_without_checks_lists_unbound_requirements(rulebook: Rulebook) -> None:
    from brokerguard.rulebook.bindings import without_checks

    registry = CheckRegistry()

    def probe(ctx: object) -> CheckResult:
        return CheckResult.manual("人工", "manual")

    registry.register(CheckDefinition("demo.lockout", ("A9.7", "A9.8"), "鎖", "lock", probe))
    unbound = [r.id for r in without_checks(registry, rulebook)]
    assert "A9.7" not in unbound and "A9.8" not in unbound
    assert "A9.9" in unbound and "A6.3.1.3" in unbound
    assert "A5.1" not in unbound  # policy kind is not asked for by default
    assert all(rulebook.get(rid).kind.value in ("technical", "record") for rid in unbound)


@pytest.mark.parametrize(
    ("number", "label"),
    [
        (1, "第一條"),
        (9, "第九條"),
        (10, "第十條"),
        (11, "第十一條"),
        (13, "第十三條"),
        (20, "第二十條"),
        (99, "第九十九條"),
    ],
)
def test_article_labels(number: int, label: str) -> None:
    from brokerguard.rulebook.model import Article

    assert Article(number, "", "").label_zh == label


def test_article_labels_match_the_original(rulebook: Rulebook) -> None:
    original = ORIGINAL.read_text(encoding="utf-8")
    for article in rulebook.articles.values():
        assert f"{article.label_zh} ({article.title_zh})" in original


@pytest.mark.parametrize("number", [0, -1, 100])
def test_chinese_number_range(number: int) -> None:
    from brokerguard.rulebook.model import chinese_number

    with pytest.raises(ValueError, match="1 to 99"):
        chinese_number(number)


def test_one_file_per_article_named_after_it(rulebook: Rulebook) -> None:
    for requirement in rulebook:
        assert requirement.source_file == f"art{requirement.article:02d}.yaml", requirement.id


def test_review_frequency_fits_the_kind(rulebook: Rulebook) -> None:
    from brokerguard.rulebook import ReviewFrequency

    for requirement in rulebook:
        if requirement.is_obligation:
            assert requirement.review_frequency is not ReviewFrequency.none, requirement.id
        else:
            assert requirement.review_frequency is ReviewFrequency.none, requirement.id
            assert requirement.evidence_kinds == (), requirement.id


def test_article_intros_are_verbatim(rulebook: Rulebook) -> None:
    original = squeeze(ORIGINAL.read_text(encoding="utf-8"))
    intros = {n: a.intro_zh for n, a in rulebook.articles.items() if a.intro_zh}
    assert set(intros) == {5, 6}
    for text in intros.values():
        assert squeeze(text) in original
    assert all(rulebook.articles[n].intro_en for n in intros)
