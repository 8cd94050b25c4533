"""The worker domain's parts (see :mod:`brokerguard.kernel.manifest`): the 排程作業
page, ``brokerguard worker`` and ``brokerguard jobs``, the ``job_runs`` record and
its pruning job."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliCommand, CliGroup, DomainManifest, NavItem
from brokerguard.worker import cli, jobs, models, views
from brokerguard.worker.settings import WorkerSettings

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="worker",
    page_routers=(views.router,),
    nav=(NavItem("/jobs", "排程作業", "Scheduled jobs"),),
    cli=CliGroup("jobs", cli.app),
    commands=(CliCommand("worker", cli.worker),),
    models=models,
    jobs=jobs.JOBS,
    settings=WorkerSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
