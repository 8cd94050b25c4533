"""The notify domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DomainManifest
from brokerguard.notify import cli, models
from brokerguard.notify.settings import NotifySettings

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="notify",
    cli=CliGroup("notify", cli.app),
    models=models,
    settings=NotifySettings,
    migrations=HERE / "migrations",
)
