"""The domain manifests: explicit parts, checked at start-up, naming the domain."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from brokerguard.auth import manifest as auth_manifest
from brokerguard.cli.main import add_domain_commands
from brokerguard.config import Settings
from brokerguard.db import migrate
from brokerguard.domains import all_domains, validate
from brokerguard.kernel.manifest import (
    CliGroup,
    DemoStep,
    DomainManifest,
    ManifestError,
    WebService,
    check_domains,
    demo_order,
)
from brokerguard.web.app import create_app
from brokerguard.web.deps import app_context

AUTH = auth_manifest.MANIFEST


def _noop(ctx: object) -> None:
    return None


def test_every_domain_is_listed_once_and_registerkit_is_not_a_domain() -> None:
    names = [m.name for m in all_domains()]
    assert len(names) == len(set(names))
    assert "registerkit" not in names
    assert {"auth", "audit", "phishing", "assessment", "staff"} <= set(names)


def test_a_misspelt_templates_folder_stops_start_up_naming_the_domain() -> None:
    with pytest.raises(ManifestError, match=r"domain 'auth'.*templtes"):
        dataclasses.replace(AUTH, templates=AUTH.templates.parent / "templtes")  # type: ignore[union-attr]


def test_a_missing_part_stops_start_up_naming_the_domain(tmp_path: Path) -> None:
    # auth has api.py, but this manifest forgot to declare its API router
    forgot_api = dataclasses.replace(AUTH, api_routers=())
    settings = Settings(database_url="sqlite://", data_dir=tmp_path)
    with pytest.raises(ManifestError, match=r"domain 'auth': api\.py exists"):
        create_app(settings, domains=[forgot_api])
    with pytest.raises(ManifestError, match=r"domain 'auth': api\.py exists"):
        add_domain_commands(typer.Typer(), [forgot_api])


def test_a_misspelt_dependency_stops_start_up_naming_the_domain() -> None:
    wrong = dataclasses.replace(AUTH, demo=DemoStep(_noop, depends_on=("audti",)))
    with pytest.raises(ManifestError, match=r"domain 'auth': depends_on names no domain: 'audti'"):
        validate((wrong,))


def test_a_part_of_the_wrong_kind_is_refused_naming_the_domain() -> None:
    with pytest.raises(ManifestError, match=r"domain 'auth': api_routers holds a Typer"):
        dataclasses.replace(AUTH, api_routers=(typer.Typer(),))  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match=r"domain 'auth': job .audit\.seal."):
        from brokerguard.kernel.jobs import JobOutcome, JobSpec

        job = JobSpec("audit.seal", "0 * * * *", lambda ctx: JobOutcome("x"), "封存", "seal")
        dataclasses.replace(AUTH, jobs=(job,))


def test_two_domains_with_one_command_name_are_refused() -> None:
    clash = DomainManifest(name="clash", cli=CliGroup("etrade", typer.Typer()))
    with pytest.raises(ManifestError, match=r"domain 'clash': command 'etrade' is also declared"):
        check_domains((AUTH, clash))


def test_a_manifest_for_a_missing_package_is_refused() -> None:
    ghost = DomainManifest(name="ghost", cli=CliGroup("ghost", typer.Typer()))
    with pytest.raises(ManifestError, match=r"domain 'ghost': no package brokerguard\.ghost"):
        validate((ghost,))


def test_demo_order_follows_depends_on_with_ties_by_name() -> None:
    def step(*needs: str) -> DemoStep:
        return DemoStep(_noop, depends_on=needs)

    made = [
        DomainManifest(name="zeta", demo=step()),
        DomainManifest(name="beta", demo=step("zeta")),
        DomainManifest(name="alpha", demo=step("beta")),
        DomainManifest(name="gamma", demo=step()),
    ]
    assert [m.name for m in demo_order(made)] == ["gamma", "zeta", "beta", "alpha"]
    loop = [DomainManifest(name="a", demo=step("b")), DomainManifest(name="b", demo=step("a"))]
    with pytest.raises(ManifestError, match="cycle"):
        demo_order(loop)


def test_the_real_demo_order_loads_dependencies_first() -> None:
    order = [m.name for m in demo_order(all_domains())]
    for manifest in all_domains():
        if manifest.demo is not None:
            for needed in manifest.demo.depends_on:
                assert order.index(needed) < order.index(manifest.name)


def test_the_menu_follows_the_domain_list(tmp_path: Path) -> None:
    app = create_app(Settings(database_url="sqlite://", data_dir=tmp_path))
    paths = [item.path for item in app_context(app).nav]
    assert paths[0] == "/dashboard"
    assert paths == [item.path for m in all_domains() for item in m.nav]


def test_domain_commands_are_built_from_manifests() -> None:
    group = typer.Typer()

    @group.command()
    def hello() -> None:
        typer.echo("hi")

    @group.command()
    def other() -> None:
        typer.echo("other")

    target = typer.Typer()
    add_domain_commands(target, [dataclasses.replace(AUTH, cli=CliGroup("greet", group))])
    result = CliRunner().invoke(target, ["greet", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hi"


def test_migrations_are_found_in_each_domain_folder() -> None:
    locations = migrate.version_locations()
    assert AUTH.migrations in locations
    assert "auth_0002" in migrate.script_heads()  # auth_0001 -> auth_0002 (step-up)


def test_web_services_are_checked_and_closed_with_the_app(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"domain 'auth': web_services holds a str"):
        dataclasses.replace(AUTH, web_services=("publisher",))  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match=r"domain 'auth': job .detect\.publisher."):
        dataclasses.replace(AUTH, web_services=(WebService("detect.publisher", _noop),))

    closed: list[str] = []

    class Service:
        def close(self) -> None:
            closed.append("closed")

    started = WebService("auth.probe", lambda ctx: Service())
    not_configured = WebService("auth.idle", lambda ctx: None)
    domain = dataclasses.replace(AUTH, web_services=(started, not_configured))
    settings = Settings(database_url=f"sqlite:///{tmp_path}/x.db", data_dir=tmp_path / "var")
    app = create_app(settings, domains=[domain])
    assert set(app.state.web_services) == {"auth.probe"}
    with TestClient(app):
        assert closed == []
    assert closed == ["closed"]  # the app's shutdown closed it
