"""The policies domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem
from brokerguard.policies import api, checks, cli, demo, models, views

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="policies",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/policies", "規範文件", "Policies"),),
    cli=CliGroup("policies", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
