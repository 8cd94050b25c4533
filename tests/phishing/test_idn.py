"""IDN homographs are flagged with the characters and scripts that give them away, never refused."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from brokerguard.cli.main import app as cli
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.domains import HostError, parse_host
from brokerguard.phishing.idn import script_mix
from brokerguard.phishing.scoring import Scorer
from tests.phishing.conftest import BRANDS_FILE


@pytest.mark.parametrize(
    ("text", "odd", "script"),
    [
        ("yuаnta.com", "а", "CYRILLIC"),  # U+0430 in a Latin label
        ("yuantа.com.tw", "а", "CYRILLIC"),
        ("xn--yunta-5ve.com", "а", "CYRILLIC"),  # the same attack sent as punycode
        ("fubοn.com", "ο", "GREEK"),  # U+03BF
    ],
)
def test_mixed_script_brand_lookalike_is_flagged_with_its_characters(
    brands: list[Brand], text: str, odd: str, script: str
) -> None:
    verdict = Scorer(brands).check(text)
    assert verdict.flagged
    assert verdict.brand in ("yuanta", "fubon")
    assert verdict.kind == ("cyrillic" if script == "CYRILLIC" else "homoglyph")
    first = verdict.reasons[0]
    assert f"U+{ord(odd):04X}" in first.en and script.title() in first.en
    assert f"U+{ord(odd):04X}" in first.zh
    data = verdict.as_dict()
    assert str(data["domain"]).startswith("xn--")
    assert data["unicode"] != data["domain"]  # decoded form shown beside the A-label


def test_mixed_script_without_a_brand_is_still_flagged(brands: list[Brand]) -> None:
    verdict = Scorer(brands).check("pаypal-login.com")  # Cyrillic а, not one of our brands
    assert verdict.flagged and verdict.brand is None
    assert verdict.kind == "cyrillic"
    assert "CYRILLIC SMALL LETTER A" in verdict.reasons[0].en


def test_whole_script_confusable_of_a_brand_is_flagged(brands: list[Brand]) -> None:
    verdict = Scorer(brands).check("сатһау.com")  # every letter Cyrillic
    assert verdict.flagged and verdict.brand == "cathaysec"
    assert verdict.kind == "cyrillic"
    assert "wholly in Cyrillic" in verdict.reasons[0].en


def test_ordinary_single_script_idn_is_not_flagged(brands: list[Brand]) -> None:
    scorer = Scorer(brands)
    for domain in ("пример.рф", "bücher.de", "台灣.tw", "元大-login.com"):
        verdict = scorer.check(domain)
        assert verdict.kind not in ("cyrillic",), domain
    assert not scorer.check("пример.рф").flagged
    assert not scorer.check("bücher.de").flagged


def test_script_mix_names_the_odd_characters() -> None:
    mix = script_mix("yuаntа")
    assert mix is not None and not mix.whole_script
    assert mix.scripts == ("CYRILLIC", "LATIN")
    assert [c.char for c in mix.odd] == ["а"]
    assert script_mix("yuanta") is None
    assert script_mix("元大-yuanta") is None  # Latin with CJK is allowed (TR39)
    whole = script_mix("сатһау")
    assert whole is not None and whole.whole_script
    assert "西里爾" in whole.describe_zh()
    assert script_mix("ѕіnорас") is not None  # Latin n among Cyrillic: mixed, not whole


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("xn--zz.com", "does not decode"),
        ("yuan--ta.xn--zz", "does not decode"),
        ("a" * 64 + "é.com", "IDNA"),
        ("é" * 250 + ".com", "longer"),
    ],
)
def test_only_undecodable_or_invalid_names_are_errors(text: str, reason: str) -> None:
    with pytest.raises(HostError) as info:
        parse_host(text)
    assert reason in info.value.message


def test_check_cli_gives_a_flagged_line_not_an_error() -> None:
    result = CliRunner().invoke(
        cli, ["phishing", "check", "--brands", str(BRANDS_FILE), "--json", "yuаnta.com"]
    )
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[0])
    assert "error" not in row
    assert row["flagged"] is True and row["kind"] == "cyrillic"
    assert row["unicode"] == "yuаnta.com" and str(row["domain"]).startswith("xn--")
    text = CliRunner().invoke(
        cli, ["phishing", "check", "--brands", str(BRANDS_FILE), "yuаnta.com"]
    )
    assert "FLAGGED" in text.stdout and "xn--" in text.stdout
