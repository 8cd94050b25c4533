"""The deepfake domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.deepfake import api, checks, cli, demo, jobs, models, views
from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="deepfake",
    api_routers=(api.router,),
    page_routers=(views.router,),
    nav=(NavItem("/deepfake", "視訊核驗", "Video ID checks", article=10),),
    cli=CliGroup("deepfake", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    jobs=jobs.JOBS,
    settings=DeepfakeSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
