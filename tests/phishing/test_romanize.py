from __future__ import annotations

from brokerguard.phishing.romanize import core_name, romanise, tongyong, wade_giles


def test_core_name_drops_company_form() -> None:
    assert core_name("元大證券股份有限公司") == "元大"
    assert core_name("群益金鼎證券") == "群益金鼎"
    assert core_name("證券") == "證券"  # nothing but a company form: kept


def test_three_systems() -> None:
    spellings = {r.system: r.spellings() for r in romanise("凱基證券")}
    assert "kaiji" in spellings["pinyin"]
    assert "kaichi" in spellings["wade-giles"]  # k'ai-chi without the apostrophe
    assert "kai-chi" in spellings["wade-giles"]
    assert wade_giles("台新") == ["tai", "hsin"]
    assert tongyong("兆豐") == ["jhao", "fong"]
    assert tongyong("群益") == ["cyun", "yi"]


def test_no_han_characters_gives_nothing() -> None:
    assert romanise("ABC") == []
