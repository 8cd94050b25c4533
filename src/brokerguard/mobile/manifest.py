"""The mobile domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem
from brokerguard.mobile import api, checks, cli, demo, jobs, models, views
from brokerguard.mobile.settings import MobileSettings

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="mobile",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/mobile", "行動應用程式", "Mobile apps", article=6),),
    cli=CliGroup("app", cli.app),
    checks=checks,
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo),
    settings=MobileSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
