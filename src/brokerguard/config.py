"""One configuration: ``BROKERGUARD_*`` environment variables, optionally a TOML file.

The core :class:`Settings` nests every domain's settings (``settings.auth``,
``settings.phishing``, ...). The TOML file is named by ``BROKERGUARD_CONFIG_FILE``:
core keys at its top, a section per domain (``[auth]``, ``[audit]``, ...).
Environment variables win over the file, in two spellings:
``BROKERGUARD_AUTH__LOCK_THRESHOLD`` (nested) and ``BROKERGUARD_AUTH_LOCK_THRESHOLD``
(the older per-domain name); the nested one wins when both are set. A value a
rule forbids (lock after more than 5 wrong passwords, audit retention under five
years, passwords shorter than 6) is refused wherever it is written:
:func:`load_settings` raises :class:`SettingsError` naming the key and where it
was written. Nothing secret has a default: keys are generated at first run under
``data_dir`` (see :mod:`brokerguard.keys`).
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from brokerguard.audit.settings import AuditSettings
from brokerguard.auth.settings import AuthSettings
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.detect.settings import DetectSettings
from brokerguard.devices.settings import DevicesSettings
from brokerguard.errors import ConfigurationError
from brokerguard.iot.settings import IotSettings
from brokerguard.mobile.settings import MobileSettings
from brokerguard.notify.settings import NotifySettings
from brokerguard.phishing.settings import PhishingSettings
from brokerguard.social.settings import SocialSettings
from brokerguard.staff.settings import StaffSettings
from brokerguard.worker.settings import WorkerSettings

ENV_PREFIX = "BROKERGUARD_"
CONFIG_FILE_ENV = "BROKERGUARD_CONFIG_FILE"

DEFAULT_DATABASE_URL = "sqlite:///./brokerguard.db"


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    """Every tunable of brokerguard, validated at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

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

    audit: AuditSettings = Field(default_factory=AuditSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    deepfake: DeepfakeSettings = Field(default_factory=DeepfakeSettings)
    detect: DetectSettings = Field(default_factory=DetectSettings)
    devices: DevicesSettings = Field(default_factory=DevicesSettings)
    iot: IotSettings = Field(default_factory=IotSettings)
    mobile: MobileSettings = Field(default_factory=MobileSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    phishing: PhishingSettings = Field(default_factory=PhishingSettings)
    social: SocialSettings = Field(default_factory=SocialSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

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

    @field_validator("auth", "staff")
    @classmethod
    def _owasp_argon2_in_production(
        cls, costs: AuthSettings | StaffSettings, info: ValidationInfo
    ) -> AuthSettings | StaffSettings:
        """Cheaper password hashing is for tests and demos: production refuses argon2id
        costs below OWASP's minimum (A9.5), naming the section's settings."""
        if info.data.get("env") is Environment.production and not costs.argon2_meets_owasp:
            section = str(info.field_name)
            memory, passes = ((section, key) for key in ("argon2_memory_kib", "argon2_time_cost"))
            raise ValueError(
                f"argon2_memory_kib={costs.argon2_memory_kib} ({source_of(memory)}) with "
                f"argon2_time_cost={costs.argon2_time_cost} ({source_of(passes)}) is below "
                "OWASP's argon2id minimum (19456 KiB with 2 passes, or an equivalent setting); "
                "production refuses it"
            )
        return costs

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
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            *(_DomainEnv(settings_cls, name, model) for name, model in domain_models().items()),
        ]
        toml_file = config_file()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def domain_models() -> dict[str, type[BaseSettings]]:
    """The domains' settings models, by the section that holds them."""
    found: dict[str, type[BaseSettings]] = {}
    for name, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseSettings):
            found[name] = model
    return found


class _DomainEnv(PydanticBaseSettingsSource):
    """``BROKERGUARD_<DOMAIN>_<KEY>`` (the older names) as ``{domain: {key: value}}``."""

    def __init__(self, settings_cls: type[BaseSettings], domain: str, model: type[BaseSettings]):
        super().__init__(settings_cls)
        self.domain = domain
        self.env = EnvSettingsSource(model, env_prefix=legacy_env_prefix(domain))

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # every value comes from __call__

    def __call__(self) -> dict[str, Any]:
        values = self.env()
        return {self.domain: values} if values else {}


def legacy_env_prefix(domain: str) -> str:
    return f"{ENV_PREFIX}{domain.upper()}_"


def config_file() -> Path | None:
    name = os.environ.get(CONFIG_FILE_ENV)
    return Path(name) if name else None


class SettingsError(ConfigurationError):
    """A setting is malformed or breaks a rule's floor: every command exits 2."""

    code = "invalid_settings"


def source_of(path: tuple[str, ...]) -> str:
    """Where the value at ``path`` (``("auth", "lock_threshold")``) was written:
    ``environment variable <NAME>``, ``file <path>`` or ``default``."""
    *domain, key = path
    names = [f"{ENV_PREFIX}{'__'.join(path)}".upper()]
    if domain:
        names.append(f"{legacy_env_prefix(domain[0])}{key}".upper())
    environment = {name.upper() for name in os.environ}
    for name in names:
        if name in environment:
            return f"environment variable {name}"
    toml_file = config_file()
    if toml_file is not None and _toml_value(toml_file, path) is not _MISSING:
        return f"file {toml_file}"
    return "default"


_MISSING = object()


def _toml_value(toml_file: Path, path: tuple[str, ...]) -> Any:
    try:
        with toml_file.open("rb") as handle:
            data: Any = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return _MISSING
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and the file; a bad value is a :class:`SettingsError`
    naming the key (``auth.lock_threshold``) and where it was written."""
    toml_file = config_file()
    if toml_file is not None and not toml_file.is_file():
        raise SettingsError(f"{CONFIG_FILE_ENV} names {toml_file}, which is not a file")
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{toml_file} is not valid TOML: {error}") from None
    except PydanticValidationError as error:
        problems = []
        first = ""
        for item in error.errors():
            path = tuple(str(part) for part in item["loc"])
            key = ".".join(path)
            first = first or key
            reason = str(item["msg"]).removeprefix("Value error, ")
            # a whole section's rule names its own settings and where they were written
            section = len(path) == 1 and path[0] in domain_models()
            where = "" if section else f" ({source_of(path)})"
            problems.append(f"{key}{where}: {reason}")
        raise SettingsError("invalid settings: " + "; ".join(problems), field=first) from None


#: keys whose values are never shown (``config show`` prints ``***``)
SECRET_WORDS = ("password", "secret", "token", "api_key")


def shown_value(key: str, value: Any) -> Any:
    """A value as ``config show`` prints it: secrets as ``***``, URLs without passwords."""
    if isinstance(value, SecretStr):
        return "***" if value.get_secret_value() else ""
    if value and any(word in key for word in SECRET_WORDS):
        return "***"
    if isinstance(value, str) and "://" in value:
        scheme, rest = value.split("://", 1)
        userinfo, at, host = rest.rpartition("@")
        if at and ":" in userinfo:
            return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()


def settings_with(**overrides: Any) -> Settings:
    """Settings with explicit overrides (tests, CLI options)."""
    return load_settings(**overrides)
