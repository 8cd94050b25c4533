"""Chinese brand names: accepted in files and the database, romanised, matched as IDN labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from brokerguard.cli.main import app as cli
from brokerguard.errors import ValidationError
from brokerguard.phishing.brands import Brand, parse_brands, parse_brands_text
from brokerguard.phishing.chinese import chinese_forms, split_keywords
from brokerguard.phishing.scoring import Scorer

BRAND_FILE = """
- name_zh: 元大證券
  name_en: Yuanta Securities
  aliases: [yuanta, 元大]
  domains: [yuanta.com.tw]
- name_zh: 凱基證券
  name_en: KGI Securities
  aliases: [kgi, 凱基]
  domains: [kgi.com]
"""


@pytest.fixture(scope="module")
def zh_brands() -> list[Brand]:
    return parse_brands_text(BRAND_FILE)


def test_chinese_aliases_are_accepted_and_give_terms(zh_brands: list[Brand]) -> None:
    yuanta = zh_brands[0]
    assert yuanta.spec.aliases == ["yuanta", "元大"]
    by_text = {t.text: t.origin for t in yuanta.terms}
    assert by_text["元大"] == by_text["元大證券"] == by_text["元大证券"] == "chinese"
    assert by_text["yuanda"] == "pinyin" and by_text["yuan-ta"] == "wade-giles"
    kgi = {t.text for t in zh_brands[1].terms}
    assert {"凱基", "凯基", "kaiji", "kaichi"} <= kgi


def test_alias_romanised_in_every_system() -> None:
    brand = parse_brands(
        [{"name_zh": "示範證券", "name_en": "Demo", "aliases": ["永豐"], "domains": ["d.com"]}]
    )[0]
    origins = {(t.text, t.origin) for t in brand.terms}
    assert ("yongfeng", "pinyin") in origins
    assert ("yungfeng", "wade-giles") in origins
    assert ("yongfong", "tongyong") in origins
    assert ("永丰", "chinese") in origins


@pytest.mark.parametrize(
    ("domain", "brand", "kind"),
    [
        ("元大證券.com", "yuanta", "chinese-name"),
        ("元大证券.com", "yuanta", "chinese-name"),  # Simplified
        ("元大-登入.tw", "yuanta", "combosquat"),
        ("元大官網登入.com", "yuanta", "combosquat"),  # keywords with no separator
        ("凯基.com", "kgi", "chinese-name"),  # Simplified of 凱基
        ("凱基-app.top", "kgi", "combosquat"),
        ("xn--z4q35q.com", "yuanta", "chinese-name"),  # 元大 sent as punycode
    ],
)
def test_chinese_labels_are_flagged(
    zh_brands: list[Brand], domain: str, brand: str, kind: str
) -> None:
    verdict = Scorer(zh_brands).check(domain)
    assert verdict.flagged, verdict.as_dict()
    assert (verdict.brand, verdict.kind) == (brand, kind)
    assert verdict.unicode != verdict.domain
    assert all(r.zh and r.en for r in verdict.reasons)


def test_everyday_chinese_words_alone_are_not_flagged(brands: list[Brand]) -> None:
    scorer = Scorer(brands)
    for domain in ("統一發票.tw", "國泰人壽.com", "中文.com", "台灣.tw"):
        assert not scorer.check(domain).flagged, domain


@pytest.mark.parametrize(
    ("alias", "reason"),
    [
        ("元大!", "not usable"),
        ("元大.x", "dot"),
        ("".join(chr(0x4E00 + 7 * i) for i in range(40)), "too long"),
        ("😀", "not usable"),
    ],
)
def test_bad_chinese_aliases_name_the_reason(alias: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_brands(
            [{"name_zh": "元大", "name_en": "Y", "aliases": [alias], "domains": ["y.com"]}]
        )
    assert reason in info.value.message and "aliases" in info.value.message


def test_forms_and_keyword_split() -> None:
    assert set(chinese_forms("永豐")) == {"永豐", "永丰"}
    assert set(chinese_forms("凯基")) == {"凯基", "凱基"}
    keywords = frozenset({"官網", "登入", "app"})
    assert split_keywords("官網登入", keywords) == ["官網", "登入"]
    assert split_keywords("官網x登入", keywords) == ["官網", "x", "登入"]
    assert split_keywords("login", keywords) == ["login"]


def test_import_brands_with_chinese_aliases(
    runner: CliRunner, cli_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "brands.yaml"
    path.write_text(BRAND_FILE, encoding="utf-8")
    stored = runner.invoke(cli, ["phishing", "import-brands", str(path)])
    assert stored.exit_code == 0, stored.output
    result = runner.invoke(cli, ["phishing", "check", "--json", "元大证券.top", "凯基.com"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["flagged"], r["brand"]) for r in rows] == [(True, "yuanta"), (True, "kgi")]
