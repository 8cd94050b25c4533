"""The auth domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.auth import api, checks, cli, customer_pages, demo, models, views
from brokerguard.auth.settings import AuthSettings
from brokerguard.kernel.manifest import CliGroup, DemoStep, DomainManifest, NavItem

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="auth",
    api_routers=(api.router, api.factor_routes()),
    page_routers=(views.router, customer_pages.router),
    nav=(NavItem("/etrade/customers", "電子交易登入", "E-trading login", article=9),),
    cli=CliGroup("etrade", cli.app),
    checks=checks,
    models=models,
    demo=DemoStep(demo.load_demo),
    settings=AuthSettings,
    templates=HERE / "templates",
    migrations=HERE / "migrations",
)
