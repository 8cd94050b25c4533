"""The evidence domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.evidence import api, demo, jobs, models, views
from brokerguard.kernel.manifest import DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="evidence",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/evidence", "證據", "Evidence"),),
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo, depends_on=("policies",)),
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
