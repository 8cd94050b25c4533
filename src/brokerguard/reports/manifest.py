"""The reports domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from pathlib import Path

from brokerguard.kernel.manifest import CliCommand, DomainManifest, NavItem
from brokerguard.reports import cli, views

HERE = Path(__file__).parent

MANIFEST = DomainManifest(
    name="reports",
    page_routers=(views.router,),
    nav=(NavItem("/reports", "報表", "Reports"),),
    commands=(CliCommand("report", cli.report),),
    templates=HERE / "templates",
)
