"""The audit domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.audit import api, checks, cli, demo, jobs, models, views
from brokerguard.audit.settings import AuditSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="audit",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/audit", "稽核軌跡", "Audit trail", article=9),),
    cli=CliGroup("audit", cli.app),
    checks=checks,
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo, depends_on=("auth",)),
    settings=AuditSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
