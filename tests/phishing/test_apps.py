"""Counterfeit apps from APK fixtures (the mobile analyser) and store listings."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from brokerguard.errors import ValidationError
from brokerguard.mobile.apk import analyze_apk
from brokerguard.mobile.errors import ArtifactError
from brokerguard.phishing.apps import (
    AppVerdict,
    RowError,
    assess_app,
    brand_looks,
    check_apk,
    check_listings,
    parse_listings,
)
from brokerguard.phishing.brands import Brand, parse_brands
from tests.conftest import FIXTURES

APK = FIXTURES / "apk"
FACTS = json.loads((APK / "expected-facts.json").read_text(encoding="utf-8"))
A2DP_CERT = FACTS["a2dp.Vol_137.apk"]["cert_sha256"][0]
JAMENDO_CERT = FACTS["com.teleca.jamendo_35.apk"]["cert_sha256"][0]


def _brand(name_en: str, package: str, cert: str, aliases: list[str] | None = None) -> Brand:
    spec = {
        "name_zh": "示範證券",
        "name_en": name_en,
        "aliases": aliases or [],
        "domains": ["demo-sec.com.tw"],
        "apps": [{"platform": "android", "package": package, "cert_sha256": cert}],
    }
    return parse_brands([spec])[0]


def _png(color: str, mark: bool = True) -> bytes:
    image = Image.new("RGB", (96, 96), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 86, 86), fill=color)
    if mark:
        draw.rectangle((40, 20, 56, 76), fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_official_apk_by_certificate() -> None:
    looks = brand_looks([_brand("A2DP Volume Securities", "a2dp.Vol", A2DP_CERT)])
    verdict = check_apk(looks, APK / "a2dp.Vol_137.apk", analyze_apk)
    assert verdict.status == "official"
    assert verdict.decisive == "certificate"
    assert verdict.cert_sha256 == [A2DP_CERT]


def test_repackaged_official_package_with_foreign_certificate_is_counterfeit() -> None:
    # the brand's official a2dp.Vol is signed with another key: this APK is a repackage
    looks = brand_looks([_brand("Volume Securities", "a2dp.Vol", JAMENDO_CERT)])
    verdict = check_apk(looks, APK / "a2dp.Vol_137.apk", analyze_apk)
    assert verdict.flagged
    assert verdict.decisive == "certificate"
    assert {r.code for r in verdict.reasons} >= {"official_package", "foreign_cert"}


def test_brand_name_with_foreign_certificate_is_counterfeit() -> None:
    looks = brand_looks([_brand("Jamendo Securities", "com.demo.trade", A2DP_CERT, ["jamendo"])])
    verdict = check_apk(looks, APK / "com.teleca.jamendo_35.apk", analyze_apk)
    assert verdict.flagged and verdict.brand == "demo-sec"
    assert "name" in {r.code for r in verdict.reasons}


def test_same_certificate_under_other_package_is_official() -> None:
    looks = brand_looks([_brand("Jamendo Securities", "com.demo.trade", JAMENDO_CERT, ["jamendo"])])
    verdict = check_apk(looks, APK / "com.teleca.jamendo_35.apk", analyze_apk)
    assert verdict.status == "official"


def test_icon_alone_flags_an_app() -> None:
    brand = _brand("Demo Securities", "com.demo.trade", A2DP_CERT)
    facts = analyze_apk(APK / "com.teleca.jamendo_35.apk")
    assert facts.icon_bytes
    looks = brand_looks([brand], {brand.key: [facts.icon_bytes]})
    verdict = check_apk(looks, APK / "com.teleca.jamendo_35.apk", analyze_apk)
    assert verdict.flagged
    assert verdict.decisive == "certificate"
    assert "icon" in {r.code for r in verdict.reasons}


def test_unrelated_apk() -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    verdict = check_apk(looks, APK / "com.politedroid_4.apk", analyze_apk)
    assert verdict.status == "unrelated" and not verdict.flagged


def test_broken_apk_raises_a_typed_error() -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    with pytest.raises(ArtifactError):
        check_apk(looks, APK / "multidex.apk", analyze_apk)


def test_analyser_is_a_collaborator() -> None:
    @dataclass
    class Facts:
        package: str = "com.demo.trade"
        cert_sha256: list[str] = field(default_factory=lambda: ["ab" * 32])
        app_label: str | None = "Demo Securities 下單"
        icon_bytes: bytes | None = None

    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    verdict = check_apk(looks, Path("fake.apk"), lambda _p: Facts())
    assert verdict.flagged and verdict.decisive == "certificate"


def test_similar_icon_within_distance_different_icon_not() -> None:
    brand = _brand("Demo Securities", "com.demo.trade", A2DP_CERT)
    looks = brand_looks([brand], {brand.key: [_png("red")]})
    near = assess_app(
        looks, source="t", title="Stock", package="x.y", certs=[], icon=_png("darkred")
    )
    far = assess_app(looks, source="t", title="Stock", package="x.y", certs=[],
                     icon=_png("blue", mark=False))  # fmt: skip
    assert near.flagged and near.decisive == "icon"
    assert not far.flagged


def test_listing_without_cert_official_package_is_unverified() -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    verdict = assess_app(looks, source="t", title="示範證券", package="com.demo.trade", certs=[])
    assert verdict.status == "unverified"


LISTINGS_CSV = """store,title,package,developer,cert_sha256,icon
apkpure,示範證券 VIP,com.demo.vip,Unknown,,
apkpure,示範證券,com.demo.trade,Demo,{cert},
apkpure,Calculator,com.calc,Calc Inc,,
apkpure,Bad,,x,,
apkpure,Bad cert,com.bad,x,zz,
apkpure,Escape,com.esc,x,,../../etc/passwd
"""


def test_listings_csv(tmp_path: Path) -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    raw = LISTINGS_CSV.format(cert=A2DP_CERT).encode("utf-8")
    out = list(check_listings(looks, raw, "listings.csv", base_dir=tmp_path))
    verdicts = [o for o in out if isinstance(o, AppVerdict)]
    errors = [o for o in out if isinstance(o, RowError)]
    status = {v.package: v.status for v in verdicts}
    assert status == {"com.demo.vip": "counterfeit", "com.demo.trade": "official",
                      "com.calc": "unrelated"}  # fmt: skip
    assert [e.row for e in errors] == [4, 5, 6]
    assert "package" in errors[0].error and "cert_sha256" in errors[1].error
    assert "leaves" in errors[2].error


def test_listings_json() -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    raw = json.dumps([{"title": "Demo Securities Pro", "package": "com.fake"}, 42]).encode()
    out = list(check_listings(looks, raw, "l.json"))
    assert isinstance(out[0], AppVerdict) and out[0].flagged
    assert isinstance(out[1], RowError)


@pytest.mark.parametrize(
    ("raw", "name", "reason"),
    [
        (b"", "l.csv", "empty"),
        (b"\xff\xfe\x00bad", "l.csv", "UTF-8"),
        (b"title,store\nx,y\n", "l.csv", "header"),
        (b"{not json", "l.json", "not JSON"),
        (b'{"a": 1}', "l.json", "list"),
        (b"x" * (21 * 1024 * 1024), "l.csv", "20 MiB"),
    ],
)
def test_bad_listing_files(raw: bytes, name: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        list(parse_listings(raw, name))
    assert reason in info.value.message


def test_hostile_icon_is_rejected() -> None:
    looks = brand_looks([_brand("Demo Securities", "com.demo.trade", A2DP_CERT)])
    with pytest.raises(ValidationError):
        assess_app(looks, source="t", title="x", package="a.b", certs=[], icon=b"GIF89a garbage")
