"""The rulebook domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from brokerguard.kernel.manifest import CliGroup, DomainManifest
from brokerguard.rulebook import api, cli

MANIFEST = DomainManifest(
    name="rulebook",
    api_routers=(api.router,),
    cli=CliGroup("rulebook", cli.app),
)
