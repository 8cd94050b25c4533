"""The training domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem
from brokerguard.training import api, checks, cli, demo, models, views

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="training",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/training", "教育訓練", "Training"),),
    cli=CliGroup("training", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
