"""The attestations domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.attestations import api, checks, cli, demo, models, views
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="attestations",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/attestations", "引用規範", "Referenced rules"),),
    cli=CliGroup("attestations", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
