"""The iot domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.iot import api, checks, cli, demo, jobs, models, views
from brokerguard.iot.settings import IotSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="iot",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/iot/assets", "物聯網設備", "IoT devices", article=7),),
    cli=CliGroup("iot", cli.app),
    checks=checks,
    models=models,
    jobs=jobs.JOBS,
    demo=DemoStep(demo.load_demo),
    settings=IotSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
