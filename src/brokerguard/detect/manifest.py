"""The detect domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.detect import api, checks, cli, demo, jobs, models, publisher, views
from brokerguard.detect.settings import DetectSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem, WebService

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="detect",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/detect", "登入監控", "Login monitoring", article=9),),
    cli=CliGroup("detect", cli.app),
    checks=checks,
    models=models,
    jobs=jobs.JOBS,
    consumers=jobs.CONSUMERS,
    web_services=(WebService("detect.login_publisher", publisher.start_for_app),),
    demo=DemoStep(demo.load_demo, depends_on=("audit",)),
    settings=DetectSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
