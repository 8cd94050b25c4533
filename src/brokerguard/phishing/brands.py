"""The brand registry: what the firm's customers must be able to trust.

A brand file is YAML, a list of::

    - name_zh: 元大證券
      name_en: Yuanta Securities
      aliases: [yuanta, yuantasec, 元大]  # hand-kept spellings (English names, tickers)
                                          # and Chinese names (matched as IDN labels)
      abbreviations: [YT]
      stock_code: "2885"
      domains: [yuanta.com.tw, yuanta.com]
      apps:
        - {platform: android, package: com.yuanta.android, cert_sha256: "ab12..."}
      logos: [logo.png]                   # optional, relative to the YAML file

Every brand gets its romanisations (pinyin, Wade-Giles, Tongyong) computed from
``name_zh`` and its Chinese aliases, and those Chinese names themselves in
Traditional and Simplified form (``凱基``, ``凯基``); together with the official
domains' labels and the aliases they make the brand's *terms*, the strings
lookalike generation and scoring work on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from brokerguard.errors import ValidationError
from brokerguard.inputs import InputModel
from brokerguard.phishing.chinese import chinese_forms, chinese_label, has_han
from brokerguard.phishing.domains import HostError, parse_host
from brokerguard.phishing.romanize import core_name, romanise

MAX_BRAND_FILE_BYTES = 2 * 1024 * 1024
_TERM = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class AppSpec(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    platform: str = Field(pattern=r"^(android|ios|harmony)$")
    package: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")
    cert_sha256: list[str] = Field(default_factory=list, max_length=16)
    name: str = Field(default="", max_length=128)
    store_urls: list[str] = Field(default_factory=list, max_length=16)
    icon: str | None = Field(default=None, max_length=512)

    @field_validator("cert_sha256", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("cert_sha256")
    @classmethod
    def _hex(cls, value: list[str]) -> list[str]:
        cleaned = [v.replace(":", "").strip().lower() for v in value]
        for item in cleaned:
            if not _SHA256.match(item):
                raise ValueError("cert_sha256 must be 64 hex digits (SHA-256 of the signer DER)")
        return cleaned


class BrandSpec(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_zh: str = Field(min_length=1, max_length=64)
    name_en: str = Field(min_length=1, max_length=128)
    aliases: list[str] = Field(default_factory=list, max_length=64)
    abbreviations: list[str] = Field(default_factory=list, max_length=16)
    stock_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{4,6}$")
    domains: list[str] = Field(min_length=1, max_length=64)
    apps: list[AppSpec] = Field(default_factory=list, max_length=32)
    logos: list[str] = Field(default_factory=list, max_length=16)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        """ASCII spellings (``yuanta``) or Chinese names (``元大``), each one domain label."""
        cleaned = []
        for item in value:
            term = item.strip().lower().replace(" ", "")
            if _TERM.match(term):
                cleaned.append(term)
            elif has_han(term):
                cleaned.append(chinese_label(item))  # ValueError names the reason
            else:
                raise ValueError(
                    f"{item!r} is not usable in a domain label "
                    "(a-z, 0-9, - or a Chinese name such as 元大)"
                )
        return cleaned

    @field_validator("abbreviations")
    @classmethod
    def _abbreviations(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            term = item.strip().lower().replace(" ", "")
            if not _TERM.match(term):
                raise ValueError(f"{item!r} is not usable in a domain label (a-z, 0-9, -)")
            cleaned.append(term)
        return cleaned

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            try:
                host = parse_host(item, field="domains")
            except HostError as exc:
                raise ValueError(f"{item!r}: {exc.message}") from None
            if not host.suffix or not host.label:
                raise ValueError(f"{item!r} has no registrable domain")
            cleaned.append(host.ascii)
        return cleaned


@dataclass(frozen=True)
class Term:
    """A string that stands for the brand in a domain label, and where it comes from."""

    text: str
    #: "domain", "alias", "abbreviation", "pinyin", "wade-giles", "tongyong", "chinese"
    origin: str

    @property
    def strong(self) -> bool:
        """Long enough that finding it inside an unrelated domain is unlikely.

        Five letters for a Latin spelling; three characters for a Chinese name
        (two-character names such as 統一 or 國泰 are everyday words).
        """
        if self.origin == "chinese":
            return len(self.text) >= 3
        return len(self.text.replace("-", "")) >= 5


@dataclass(frozen=True)
class Brand:
    spec: BrandSpec
    #: official registrable domains in ASCII (``yuanta.com.tw``)
    domains: tuple[str, ...]
    terms: tuple[Term, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.spec.name_en

    @cached_property
    def key(self) -> str:
        """A stable short key: the first official domain's label."""
        return parse_host(self.domains[0]).label

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(parse_host(d).label for d in self.domains))

    @cached_property
    def suffixes(self) -> frozenset[str]:
        """The public suffixes the official domains sit under (``com.tw``, ``com``)."""
        return frozenset(parse_host(d).suffix for d in self.domains)

    def is_official(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def official_packages(self) -> set[str]:
        return {a.package for a in self.spec.apps}

    def official_certs(self) -> set[str]:
        return {c for a in self.spec.apps for c in a.cert_sha256}


def build_brand(spec: BrandSpec) -> Brand:
    terms: dict[str, Term] = {}

    def add(text: str, origin: str) -> None:
        text = text.lower()
        if text and _TERM.match(text) and text not in terms:
            terms[text] = Term(text, origin)

    for domain in spec.domains:
        add(parse_host(domain).label, "domain")

    def add_chinese(text: str) -> None:
        for form in chinese_forms(text):
            if form not in terms:
                terms[form] = Term(form, "chinese")

    chinese = [a for a in spec.aliases if has_han(a)]
    for alias in spec.aliases:
        if alias not in chinese:
            add(alias, "alias")
    for abbreviation in spec.abbreviations:
        add(abbreviation, "abbreviation")
    for name in (spec.name_zh, *chinese):
        for rom in romanise(name):
            for spelling in rom.spellings():
                add(spelling, rom.system)
    core = core_name(spec.name_zh)
    for name in dict.fromkeys((spec.name_zh, core, *chinese)):
        if name and has_han(name):
            add_chinese(name)
    return Brand(spec=spec, domains=tuple(dict.fromkeys(spec.domains)), terms=tuple(terms.values()))


def parse_brands(data: Any, *, source: str = "brands") -> list[Brand]:
    if not isinstance(data, list) or not data:
        raise ValidationError(f"{source}: want a non-empty YAML list of brands", field="brands")
    brands: list[Brand] = []
    for index, item in enumerate(data):
        try:
            spec = BrandSpec.model_validate(item)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValidationError(
                f"{source}: brand #{index + 1}, field {where}: {first['msg']}",
                field=f"brands[{index}].{where}",
            ) from None
        brands.append(build_brand(spec))
    return brands


def load_brands(path: Path) -> list[Brand]:
    """Read and validate a brand YAML file; errors name the brand and the field."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError(
            f"cannot read brand file {path}: {exc.strerror}", field="brands"
        ) from None
    if size > MAX_BRAND_FILE_BYTES:
        raise ValidationError(f"brand file {path} is larger than 2 MiB", field="brands")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"brand file {path} is not UTF-8", field="brands") from None
    return parse_brands_text(text, source=str(path))


def parse_brands_text(text: str, *, source: str = "brands") -> list[Brand]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(f"{source}:{line} is not valid YAML", field="brands") from None
    return parse_brands(data, source=source)


def dump_brands(specs: Iterable[BrandSpec]) -> str:
    return yaml.safe_dump(
        [s.model_dump(exclude_defaults=True) for s in specs], allow_unicode=True, sort_keys=False
    )


def brand_by_key(brands: Sequence[Brand], key: str) -> Brand | None:
    return next((b for b in brands if b.key == key or b.name == key), None)
