"""The findings domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.findings import api, cli, demo, jobs, models, views
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="findings",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/findings", "缺失改善", "Findings"),),
    cli=CliGroup("findings", cli.app),
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo, depends_on=("evidence",)),
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
