"""Counterfeit-app detection (A6.3.1.3).

An app *imitates* a brand when its name contains the brand's Chinese or English
name, an alias, or comes close to one (rapidfuzz), or when its icon is within a
perceptual-hash distance of the brand's logo or official app icon (imagehash).
An imitating app is *counterfeit* unless it is an official one, and the signing
certificate is decisive:

- a signing-certificate SHA-256 among the brand's official ones: genuine, even
  under another package name (a regional build);
- a known certificate that is not official: counterfeit, even under the
  official package name (a repackaged app);
- no certificate (a store listing that does not show it): counterfeit when the
  package is not official; an official package name is *unverified*.

Sources: third-party store listings (CSV or JSON) and APK files. APK facts come
from an analyser passed in (``brokerguard.mobile.apk.analyze_apk`` by default),
never parsed here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import imagehash
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from rapidfuzz import fuzz

from brokerguard.errors import ValidationError
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.romanize import core_name
from brokerguard.phishing.scoring import Reason

MAX_LISTING_BYTES = 20 * 1024 * 1024
MAX_ICON_BYTES = 2 * 1024 * 1024
ICON_DISTANCE = 10  # of 64 bits (pHash)
NAME_SIMILARITY = 85  # rapidfuzz partial ratio, 0-100


class ApkFactsLike(Protocol):
    """What the counterfeit check needs from an APK analyser's result."""

    @property
    def package(self) -> str: ...
    @property
    def cert_sha256(self) -> list[str]: ...
    @property
    def app_label(self) -> str | None: ...
    @property
    def icon_bytes(self) -> bytes | None: ...


ApkAnalyser = Callable[[Path], ApkFactsLike]


class AppListing(BaseModel):
    """One app as a third-party store lists it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    store: str = Field(default="", max_length=128)
    title: str = Field(min_length=1, max_length=256)
    package: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")
    developer: str = Field(default="", max_length=256)
    url: str = Field(default="", max_length=2048)
    cert_sha256: str | None = Field(default=None)
    icon: str | None = Field(default=None, max_length=1024)  # file path relative to listing

    @field_validator("cert_sha256", mode="before")
    @classmethod
    def _cert(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise ValueError("cert_sha256 must be text")
        cleaned = value.replace(":", "").strip().lower()
        if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
            raise ValueError("cert_sha256 must be 64 hex digits")
        return cleaned


@dataclass
class AppVerdict:
    source: str  # listing:<store> or apk:<file>
    title: str
    package: str
    cert_sha256: list[str]
    brand: str | None
    status: str  # counterfeit | official | unverified | unrelated
    decisive: str  # certificate | package | name | icon | none
    reasons: list[Reason] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.status == "counterfeit"

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "title": self.title,
            "package": self.package,
            "cert_sha256": self.cert_sha256,
            "brand": self.brand,
            "status": self.status,
            "flagged": self.flagged,
            "decisive": self.decisive,
            "reasons": [r.as_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class RowError:
    row: int
    error: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "error": self.error}


def icon_hash(raw: bytes) -> imagehash.ImageHash:
    """Perceptual hash of an icon; raises ValidationError for what is not an image."""
    if not raw:
        raise ValidationError("empty icon", field="icon")
    if len(raw) > MAX_ICON_BYTES:
        raise ValidationError("icon larger than 2 MiB", field="icon")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > 4096 * 4096:
                raise ValidationError("icon larger than 4096x4096 pixels", field="icon")
            image.load()
            return imagehash.phash(image.convert("RGBA").convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"icon is not a readable image ({exc})", field="icon") from None


@dataclass
class BrandLook:
    """A brand's names and icon hashes, ready for comparison."""

    brand: Brand
    names: list[str]
    icons: list[imagehash.ImageHash]


def brand_looks(
    brands: Sequence[Brand], icons: dict[str, list[bytes]] | None = None
) -> list[BrandLook]:
    """Names (zh core name, full names, aliases) and icons (by brand key) of each brand."""
    looks = []
    for brand in brands:
        names = [brand.spec.name_zh, core_name(brand.spec.name_zh), brand.spec.name_en]
        names += [a for a in brand.spec.aliases if len(a) >= 4]
        names += [a.name for a in brand.spec.apps if a.name]
        hashes = [icon_hash(raw) for raw in (icons or {}).get(brand.key, [])]
        looks.append(BrandLook(brand, [n for n in dict.fromkeys(names) if n], hashes))
    return looks


def _name_match(title: str, look: BrandLook) -> str | None:
    lowered = title.lower()
    for name in look.names:
        if name.lower() in lowered:
            return name
    for name in look.names:
        if len(name) >= 4 and fuzz.partial_ratio(name.lower(), lowered) >= NAME_SIMILARITY:
            return name
    return None


def assess_app(
    looks: Sequence[BrandLook],
    *,
    source: str,
    title: str,
    package: str,
    certs: Sequence[str],
    icon: bytes | None = None,
) -> AppVerdict:
    """Decide whether one app (listing or APK) is a counterfeit of a brand, and why."""
    digest = icon_hash(icon) if icon else None
    certs = [c.lower() for c in certs]
    for look in looks:
        brand = look.brand
        official_certs = brand.official_certs()
        official_packages = brand.official_packages()
        names = (brand.spec.name_zh, brand.spec.name_en)
        if certs and set(certs) & official_certs:
            return AppVerdict(
                source,
                title,
                package,
                certs,
                brand.key,
                "official",
                "certificate",
                [
                    Reason(
                        "official_cert",
                        f"簽章憑證為{names[0]}的官方憑證",
                        f"signed with an official certificate of {names[1]}",
                    )
                ],
            )
        reasons: list[Reason] = []
        decisive = "none"
        if package in official_packages:
            reasons.append(
                Reason(
                    "official_package",
                    f"使用{names[0]}官方 App 的套件名稱 {package}",
                    f"uses the package name {package} of {names[1]}'s app",
                )
            )
            decisive = "package"
        matched = _name_match(title, look)
        if matched is not None:
            reasons.append(
                Reason(
                    "name",
                    f"App 名稱「{title}」使用「{matched}」",
                    f"the app name {title!r} uses {matched!r}",
                )
            )
            decisive = "name" if decisive == "none" else decisive
        if digest is not None:
            near = [digest - h for h in look.icons]
            if near and min(near) <= ICON_DISTANCE:
                reasons.append(
                    Reason(
                        "icon",
                        f"圖示與{names[0]}的標誌相似（距離 {min(near)}）",
                        f"the icon is {min(near)} bits from {names[1]}'s logo",
                    )
                )
                decisive = "icon" if decisive == "none" else decisive
        if not reasons:
            continue
        if certs:
            reasons.append(
                Reason(
                    "foreign_cert",
                    f"簽章憑證 {certs[0][:16]}… 不是{names[0]}的官方憑證",
                    f"the signing certificate {certs[0][:16]}… is not {names[1]}'s",
                )
            )
            return AppVerdict(
                source, title, package, certs, brand.key, "counterfeit", "certificate", reasons
            )
        if package in official_packages:
            reasons.append(
                Reason(
                    "no_cert",
                    "未能取得簽章憑證，無法確認為官方 App",
                    "no signing certificate to confirm the official app",
                )
            )
            return AppVerdict(
                source, title, package, certs, brand.key, "unverified", decisive, reasons
            )
        return AppVerdict(
            source, title, package, certs, brand.key, "counterfeit", decisive, reasons
        )
    return AppVerdict(source, title, package, certs, None, "unrelated", "none", [])


def parse_listings(raw: bytes, filename: str) -> Iterator[AppListing | RowError]:
    """Store listings from CSV (header row) or JSON (a list of objects); bad rows named."""
    if len(raw) > MAX_LISTING_BYTES:
        raise ValidationError("listing file larger than 20 MiB", field="listings")
    if not raw.strip():
        raise ValidationError("listing file is empty", field="listings")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("listing file is not UTF-8", field="listings") from None
    rows: list[Any]
    if filename.lower().endswith(".json") or text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"listing file is not JSON (line {exc.lineno}: {exc.msg})", field="listings"
            ) from None
        if not isinstance(data, list):
            raise ValidationError("JSON listings must be a list of objects", field="listings")
        rows = data
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "package" not in reader.fieldnames:
            raise ValidationError(
                "CSV listings need a header with package and title", field="listings"
            )
        rows = list(reader)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            yield RowError(number, "not an object")
            continue
        try:
            yield AppListing.model_validate(row)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            yield RowError(number, f"{where}: {first['msg']}")


def check_listings(
    looks: Sequence[BrandLook], raw: bytes, filename: str, *, base_dir: Path | None = None
) -> Iterator[AppVerdict | RowError]:
    """Assess every listing; icons are read from files relative to ``base_dir``."""
    for number, item in enumerate(parse_listings(raw, filename), start=1):
        if isinstance(item, RowError):
            yield item
            continue
        icon: bytes | None = None
        if item.icon and base_dir is not None:
            path = (base_dir / item.icon).resolve()
            if not path.is_relative_to(base_dir.resolve()):
                yield RowError(number, "icon: path leaves the listing folder")
                continue
            try:
                icon = path.read_bytes()[: MAX_ICON_BYTES + 1]
            except OSError as exc:
                yield RowError(number, f"icon: cannot read ({exc.strerror})")
                continue
        try:
            yield assess_app(
                looks,
                source=f"listing:{item.store or filename}",
                title=item.title,
                package=item.package,
                certs=[item.cert_sha256] if item.cert_sha256 else [],
                icon=icon,
            )
        except ValidationError as exc:
            yield RowError(number, exc.message)


def icons_from_files(brands: Sequence[Brand], base_dir: Path) -> dict[str, list[bytes]]:
    """Each brand's logos and official app icons, paths relative to the brand file."""
    found: dict[str, list[bytes]] = {}
    root = base_dir.resolve()
    for brand in brands:
        paths = list(brand.spec.logos) + [a.icon for a in brand.spec.apps if a.icon]
        for name in paths:
            path = (root / name).resolve()
            if not path.is_relative_to(root):
                raise ValidationError(f"logo {name!r} is outside the brand folder", field="logos")
            try:
                found.setdefault(brand.key, []).append(path.read_bytes()[: MAX_ICON_BYTES + 1])
            except OSError as exc:
                raise ValidationError(
                    f"cannot read logo {name!r}: {exc.strerror}", field="logos"
                ) from None
    return found


def check_apk_bytes(looks: Sequence[BrandLook], name: str, raw: bytes) -> AppVerdict:
    """Assess an uploaded APK with the mobile analyser (its archive limits apply)."""
    from brokerguard.mobile.apk import analyze_apk_bytes

    facts = analyze_apk_bytes(name, raw)
    return assess_app(
        looks,
        source=f"apk:{name}",
        title=facts.app_label or facts.package,
        package=facts.package,
        certs=list(facts.cert_sha256),
        icon=facts.icon_bytes,
    )


def default_analyser() -> ApkAnalyser:
    from brokerguard.mobile.apk import analyze_apk

    return analyze_apk


def check_apk(looks: Sequence[BrandLook], path: Path, analyser: ApkAnalyser) -> AppVerdict:
    """Assess an APK file; the analyser's errors (bad archive, hostile manifest) propagate."""
    facts = analyser(path)
    return assess_app(
        looks,
        source=f"apk:{path.name}",
        title=facts.app_label or facts.package,
        package=facts.package,
        certs=list(facts.cert_sha256),
        icon=facts.icon_bytes,
    )
