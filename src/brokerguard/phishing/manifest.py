"""The phishing domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem
from brokerguard.phishing import api, checks, cli, demo, jobs, models, views
from brokerguard.phishing.settings import PhishingSettings

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="phishing",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(
        NavItem("/phishing/cases", "仿冒偵測", "Phishing", article=8),
        NavItem("/phishing/brands", "品牌保護", "Brands", article=8),
        NavItem("/phishing/apps", "假冒 App", "Counterfeit apps", article=6),
        NavItem("/phishing/reminders", "防詐提醒", "Anti-phishing notices", article=8),
    ),
    cli=CliGroup("phishing", cli.app),
    checks=checks,
    jobs=jobs.JOBS,
    models=models,
    demo=DemoStep(demo.load_demo),
    settings=PhishingSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
