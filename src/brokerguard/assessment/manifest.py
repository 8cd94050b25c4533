"""The assessment domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.assessment import api, cli, jobs, manual_views, models, views
from brokerguard.kernel.manifest import CliCommand, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="assessment",
    api_routers=(api.router,),
    page_routers=(views.router, manual_views.router),
    nav=(NavItem("/dashboard", "儀表板", "Dashboard"),),
    commands=(CliCommand("assess", cli.assess),),
    models=models,
    jobs=jobs.JOBS,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
