from __future__ import annotations

from pathlib import Path

import pytest

from brokerguard.phishing.brands import Brand, load_brands, parse_brands

BRANDS_FILE = (
    Path(__file__).resolve().parents[2] / "src/brokerguard/phishing/data/taiwan-brokers.yaml"
)


@pytest.fixture(scope="session")
def brands() -> list[Brand]:
    return load_brands(BRANDS_FILE)


@pytest.fixture(scope="session")
def odd_brand() -> Brand:
    """A brand whose label has dashes, digits, doubled letters and a homophone."""
    spec = {
        "name_zh": "第一金證券",
        "name_en": "First Securities",
        "domains": ["first-2-bookkeeper.com.tw"],
        "aliases": ["firstsec"],
    }
    return parse_brands([spec])[0]
