from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel

from brokerguard.registerkit.model_rows import ImportOutcome
from brokerguard.registerkit.pages import add_table_api
from brokerguard.registerkit.spec import ModelMode, RegisterSpec


class ThingIn(BaseModel):
    name: str


def _spec(key: str = "things", **table: Any) -> RegisterSpec[ThingIn]:
    return RegisterSpec(
        key=key,
        path="/things",
        title_zh="物品",
        title_en="Things",
        model=ThingIn,
        mode=ModelMode(
            fields=(),
            list_columns=(),
            list_rows=lambda session: [],
            create=lambda session, clock, data, actor: None,
            **table,
        ),
    )


def _routes(router: APIRouter) -> list[tuple[str, set[str] | None]]:
    return [(r.path, r.methods) for r in router.routes if isinstance(r, APIRoute)]


def test_table_api_adds_export_and_import_the_register_has() -> None:
    router = APIRouter()
    spec = _spec(
        "things",
        export=lambda session, fmt: b"",
        import_rows=lambda session, clock, content, name, mode, actor: ImportOutcome(),
    )
    add_table_api(router, "/things", spec)
    assert _routes(router) == [("/things/export", {"GET"}), ("/things/import", {"POST"})]


def test_table_api_leaves_out_what_the_register_lacks() -> None:
    exports_only = APIRouter()
    add_table_api(exports_only, "", _spec("t", export=lambda session, fmt: b""))
    assert _routes(exports_only) == [("/export", {"GET"})]
    nothing = APIRouter()
    add_table_api(nothing, "", _spec())
    assert _routes(nothing) == []
