"""Settings: ``BROKERGUARD_*`` environment variables, optionally a TOML file.

The TOML file is named by ``BROKERGUARD_CONFIG_FILE``; environment variables win
over it. Nothing secret has a default: keys are generated at first run under
``data_dir`` (see :mod:`brokerguard.keys`).
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE_URL = "sqlite:///./brokerguard.db"


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    """Every tunable of brokerguard, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="BROKERGUARD_", extra="forbid")

    env: Environment = Environment.development
    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Field(default=Path("./var"), description="Keys, evidence files, reports.")
    redis_url: str | None = None
    nats_url: str | None = None
    default_language: str = "zh-TW"
    timezone: str = "Asia/Taipei"
    firm_name_zh: str = "示範證券股份有限公司"
    firm_name_en: str = "Demo Securities Co., Ltd."
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    upload_allowed_extensions: tuple[str, ...] = (
        ".pdf",
        ".docx",
        ".xlsx",
        ".xls",
        ".csv",
        ".txt",
        ".md",
        ".png",
        ".jpg",
        ".jpeg",
        ".json",
        ".zip",
        ".apk",
        ".ipa",
        ".xml",
        ".html",
        ".mp4",
        ".sig",
    )
    session_max_age_s: int = Field(default=8 * 3600, gt=0)
    trusted_proxies: tuple[str, ...] = ()
    secure_cookies: bool | None = None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:/// and postgresql+psycopg:// URLs are supported")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("zh-TW", "en"):
            raise ValueError("default_language must be zh-TW or en")
        return value

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.env is Environment.production

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = os.environ.get("BROKERGUARD_CONFIG_FILE")
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_file)))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()


def settings_with(**overrides: Any) -> Settings:
    """Settings with explicit overrides (tests, CLI options)."""
    return Settings(**overrides)


def toml_table_sources(
    settings_cls: type[BaseSettings], table: str
) -> tuple[PydanticBaseSettingsSource, ...]:
    """The ``[table]`` of the ``BROKERGUARD_CONFIG_FILE`` TOML file, for a domain's settings
    (environment variables win over it, as for :class:`Settings`)."""
    toml_file = os.environ.get("BROKERGUARD_CONFIG_FILE")
    if not toml_file:
        return ()
    path = Path(toml_file)
    with path.open("rb") as handle:
        if table not in tomllib.load(handle):
            return ()
    return (TomlConfigSettingsSource(settings_cls, toml_file=path, toml_table_header=(table,)),)
