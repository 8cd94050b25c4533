"""The devices domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.devices import api, checks, cli, demo, models, views
from brokerguard.devices.settings import DevicesSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="devices",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/devices", "行動裝置", "Mobile devices", article=6),),
    cli=CliGroup("devices", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    settings=DevicesSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
