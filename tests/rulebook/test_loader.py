"""Malformed rulebook files are refused with file, line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerguard.errors import RulebookError, UnknownRequirementError
from brokerguard.rulebook import ReviewFrequency, loader, require_known
from brokerguard.rulebook.loader import MAX_FILE_BYTES, load_from

GOOD = """\
article: 9
title_zh: 電子式交易相關控管
title_en: Electronic trading
requirements:
  - id: A9.1
    kind: technical
    text_zh: 登入
    text_en: Login
    evidence_kinds: [system_configuration]
    review_frequency: continuous
  - id: A9.1.1
    parent: A9.1
    kind: technical
    text_zh: 所知
    text_en: Knowledge
"""


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every loader test runs with libyaml's parser (when installed) and the pure-Python one."""
    if request.param == "pure-python":
        monkeypatch.setattr(loader, "_Loader", yaml.SafeLoader)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("libyaml is not installed")
    return str(request.param)


def write(directory: Path, text: str | bytes, name: str = "art09.yaml") -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def failure(directory: Path) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        load_from(directory)
    return info.value


def test_good_file_loads(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    rulebook = load_from(tmp_path)
    assert [r.id for r in rulebook] == ["A9.1", "A9.1.1"]
    first = rulebook.get("A9.1")
    assert first.review_frequency is ReviewFrequency.continuous
    assert first.evidence_kinds == ("system_configuration",)
    assert (first.source_file, first.source_line) == ("art09.yaml", 5)
    assert rulebook.get("A9.1.1").review_frequency is ReviewFrequency.annual
    assert rulebook.children("A9.1")[0].id == "A9.1.1"


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (
            GOOD.replace("    kind: technical\n    text_zh: 登入", "    text_zh: 登入"),
            5,
            "kind",
            "missing field 'kind'",
        ),
        (GOOD.replace("    text_en: Login\n", ""), 5, "text_en", "missing field 'text_en'"),
        (GOOD.replace("text_zh: 登入", "text_zh: ''"), 5, "text_zh", "missing field"),
        (
            GOOD.replace(
                "    review_frequency: continuous\n",
                "    review_frequency: continuous\n    checks: [x]\n",
            ),
            11,
            "checks",
            "unknown field 'checks'",
        ),
        (
            GOOD.replace("kind: technical\n    text_zh: 登入", "kind: magic\n    text_zh: 登入"),
            6,
            "kind",
            "kind 'magic'",
        ),
        (
            GOOD.replace("review_frequency: continuous", "review_frequency: hourly"),
            10,
            "review_frequency",
            "hourly",
        ),
        (GOOD.replace("text_en: Login", "text_en: [a, b]"), 8, "text_en", "must be text"),
        (GOOD.replace("text_zh: 登入", "text_zh: 42"), 7, "text_zh", "must be text"),
        (GOOD.replace("id: A9.1\n", "id: 9.1\n"), 5, "id", "must be text"),
        (
            GOOD.replace("evidence_kinds: [system_configuration]", "evidence_kinds: config"),
            9,
            "evidence_kinds",
            "list of text",
        ),
        (
            GOOD.replace("evidence_kinds: [system_configuration]", "evidence_kinds: [a, 3]"),
            9,
            "evidence_kinds",
            "list of text",
        ),
        (
            GOOD.replace("evidence_kinds: [system_configuration]", "evidence_kinds: [a, a]"),
            9,
            "evidence_kinds",
            "twice",
        ),
        (GOOD.replace("id: A9.1.1", "id: A9.1"), 11, "id", "defined twice"),
        (GOOD.replace("parent: A9.1", "parent: A9.8"), 11, "parent", "'A9.8'"),
        (GOOD.replace("parent: A9.1", "parent: A9.1.1"), 11, "parent", "loops"),
        (GOOD.replace("parent: A9.1", "parent: 'A9.1; rm'"), 12, "parent", "malformed parent"),
        (GOOD.replace("id: A9.1.1", "id: A5.1"), 11, "id", "does not belong to article 9"),
        (GOOD.replace("id: A9.1.1", "id: X9.1.1"), 11, "id", "malformed requirement ID"),
        (GOOD.replace("id: A9.1.1", "id: '../../etc/passwd'"), 11, "id", "malformed"),
        (GOOD.replace("article: 9", "article: nine"), 1, "article", "number"),
        (GOOD.replace("article: 9", "article: true"), 1, "article", "number"),
        (GOOD.replace("article: 9", "article: 0"), 1, "article", "number"),
        (GOOD.replace("title_en: Electronic trading\n", ""), 1, "title_en", "missing field"),
        (GOOD + "version: 2\n", 16, "version", "unknown field 'version'"),
        (
            GOOD.replace("title_zh: 電子式交易相關控管", "title_zh: [x]"),
            2,
            "title_zh",
            "must be text",
        ),
        (
            GOOD.replace("  - id: A9.1\n", "  - 'just text'\n  - id: A9.1\n"),
            5,
            "requirements",
            "must be a mapping",
        ),
        (GOOD.split("requirements:")[0] + "requirements: []\n", 4, "requirements", "non-empty"),
        (
            GOOD.split("requirements:")[0] + "requirements: A9.1\n",
            4,
            "requirements",
            "non-empty list",
        ),
        (
            GOOD.replace("    text_en: Knowledge\n", "    text_en: Knowledge\n    kind: policy\n"),
            16,
            "kind",
            "duplicate field 'kind'",
        ),
        (
            GOOD.replace("text_en: Login", "text_en: '" + "x" * 5001 + "'"),
            8,
            "text_en",
            "longer than",
        ),
    ],
)
def test_malformed_requirement_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    write(tmp_path, text)
    error = failure(tmp_path)
    assert error.path == "art09.yaml"
    assert error.line == line, error.message
    assert error.field == field, error.message
    assert words in error.message
    assert error.message.startswith(f"art09.yaml:{line}: ")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    write(
        tmp_path, GOOD.replace("    kind: technical\n    text_zh: 所知", "    kind: [technical\n")
    )
    error = failure(tmp_path)
    assert error.path == "art09.yaml"
    assert error.line is not None and error.line >= 13
    assert "YAML syntax error" in error.message


def test_tab_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("    kind: technical\n    text_zh: 登入", "\tkind: technical"))
    error = failure(tmp_path)
    assert "YAML syntax error" in error.message and error.line == 6


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    raw = GOOD.replace("登入", "LOGIN").encode("utf-8").replace(b"LOGIN", "登入".encode("big5"))
    write(tmp_path, raw)
    error = failure(tmp_path)
    assert error.line == 7
    assert "not UTF-8" in error.message


@pytest.mark.parametrize("content", ["", "   \n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    write(tmp_path, content)
    error = failure(tmp_path)
    assert error.message == "art09.yaml:1: empty file"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "- a\n- b\n")
    assert "must be a mapping" in failure(tmp_path).message


def test_aliases_are_refused(tmp_path: Path) -> None:
    bomb = GOOD.replace("text_zh: 登入", "text_zh: &a 登入").replace("text_zh: 所知", "text_zh: *a")
    write(tmp_path, bomb)
    error = failure(tmp_path)
    assert "aliases" in error.message and error.line == 14


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD + "#" * MAX_FILE_BYTES)
    assert "larger than" in failure(tmp_path).message


def test_python_tags_are_not_executed(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("text_zh: 登入", "text_zh: !!python/object/apply:os.system [id]"))
    error = failure(tmp_path)
    assert "unsupported YAML value" in error.message
    assert (error.line, error.field) == (7, "text_zh")


def test_same_article_in_two_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("A9.1", "A9.2"), name="art09b.yaml")
    error = failure(tmp_path)
    assert error.path == "art09b.yaml" and error.field == "article" and error.line == 1


def test_parent_in_another_article(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    other = GOOD.replace("article: 9", "article: 5").replace("A9.1.1", "A5.1")
    write(tmp_path, other.replace("id: A9.1\n", "id: A5.2\n"), name="art05.yaml")
    error = failure(tmp_path)
    assert (
        error.path == "art05.yaml" and error.field == "parent" and "another article" in str(error)
    )


def test_empty_directory(tmp_path: Path) -> None:
    assert "no rulebook files" in failure(tmp_path).message


def test_require_known_names_the_unknown_id() -> None:
    require_known("A9.7", "D2.1", "A13")
    for bad in ("A9.99", "", "a9.7", "A9.7 ", "A9.7\x00", "Ａ9.7"):
        with pytest.raises(UnknownRequirementError) as info:
            require_known("A9.7", bad)
        assert info.value.requirement_id == bad


@pytest.mark.parametrize(
    "text",
    ["[" * 50_000, "a:\n  - " + "[" * 5000 + "]" * 5000, "- " * 20_000 + "x", "{" * 3000],
)
def test_deep_nesting_is_refused_without_crashing(tmp_path: Path, text: str) -> None:
    write(tmp_path, text)
    error = failure(tmp_path)
    assert "nest" in error.message and error.path == "art09.yaml"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path: Path, raw: bytes) -> None:
    write(tmp_path, raw)
    try:
        load_from(tmp_path)
    except RulebookError as error:
        assert error.path == "art09.yaml"


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entry=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "parent",
                "kind",
                "text_zh",
                "text_en",
                "evidence_kinds",
                "review_frequency",
                "title_zh",
                "other",
            ]
        ),
        YAML_VALUES,
        max_size=9,
    )
)
def test_random_entries_load_or_name_a_field(tmp_path: Path, entry: dict[str, object]) -> None:
    document = {
        "article": 9,
        "title_zh": "電子式交易",
        "title_en": "E-trading",
        "requirements": [entry],
    }
    write(tmp_path, yaml.safe_dump(document, allow_unicode=True))
    try:
        rulebook = load_from(tmp_path)
    except RulebookError as error:
        assert error.path == "art09.yaml" and error.line is not None
        assert error.field is not None or "nested deeper" in error.message
    else:
        assert len(rulebook) == 1


def test_huge_unknown_field_name_is_shortened(tmp_path: Path) -> None:
    name = "k" * 1000  # YAML allows implicit keys up to 1024 characters
    write(
        tmp_path,
        GOOD.replace("    text_en: Knowledge\n", f"    text_en: Knowledge\n    {name}: 1\n"),
    )
    error = failure(tmp_path)
    assert error.field == "k" * 40
    assert len(error.message) < 300 and "unknown field 'kkkk" in error.message


def test_article_intro_is_optional_and_typed(tmp_path: Path) -> None:
    with_intro = GOOD.replace(
        "requirements:\n", "intro_zh: 前言\nintro_en: Lead-in\nrequirements:\n"
    )
    write(tmp_path, with_intro)
    article = load_from(tmp_path).articles[9]
    assert (article.intro_zh, article.intro_en) == ("前言", "Lead-in")
    write(tmp_path, GOOD.replace("requirements:\n", "intro_zh: [x]\nrequirements:\n"))
    error = failure(tmp_path)
    assert (error.line, error.field) == (4, "intro_zh")
