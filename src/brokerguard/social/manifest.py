"""The social domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem
from brokerguard.social import api, checks, cli, demo, jobs, models, views
from brokerguard.social.settings import SocialSettings

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="social",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/social", "社群媒體", "Social media", article=5),),
    cli=CliGroup("social", cli.app),
    checks=checks,
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo),
    settings=SocialSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
