"""Issue 20 item 4: the OpenAPI document describes what the API answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from brokerguard.inputs import InputModel, TextPolicyModel


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in document["paths"].items() for m, op in item.items()]


def test_document_is_served_at_both_addresses(client: TestClient) -> None:
    first = client.get("/openapi.json")
    assert first.status_code == 200
    assert first.json() == client.get("/api/v1/openapi.json").json()


def test_every_operation_declares_its_errors_in_the_error_shape(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message"]
    assert "HTTPValidationError" not in schemas
    operations = _operations(document)
    assert len(operations) > 150
    for path, method, operation in operations:
        responses = operation["responses"]
        for code in ("422", "503"):
            assert code in responses, (method, path, code)
        wanted = "FlatError" if path.startswith("/api/v1/etrade") else "Error"
        for code, response in responses.items():
            if code[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{wanted}"}, (path, code)
    by_key = {(m, p): op["responses"] for p, m, op in operations}
    assert {"401", "403", "404", "409"} <= set(
        by_key[("post", "/api/v1/findings/{finding_id}/plan")]
    )
    assert "403" not in by_key[("get", "/api/v1/findings")]  # a read needs no role here
    upload = by_key[("post", "/api/v1/findings/{finding_id}/close-with-file")]
    assert {"400", "413", "415"} <= set(upload)
    assert {"423", "429"} <= set(by_key[("post", "/api/v1/etrade/login")])
    assert "401" not in by_key[("get", "/api/v1/phishing/public/banner")]


def test_downloads_declare_their_real_media_types(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    exports = [(path, op) for path, method, op in _operations(document) if path.endswith("/export")]
    assert len(exports) >= 10
    for path, operation in exports:
        content = operation["responses"]["200"]["content"]
        assert set(content) == {
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }, path
    paths = document["paths"]
    listing = paths["/api/v1/mobile/listing.html"]["get"]["responses"]["200"]["content"]
    assert set(listing) == {"text/html"}
    template = paths["/api/v1/rulebook/policy-templates/{name}"]["get"]["responses"]["200"]
    assert set(template["content"]) == {"text/plain"}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


def test_every_request_body_schema_follows_the_text_policy(client: TestClient) -> None:
    """A new body model that skips InputModel fails here (item 2: one validator everywhere)."""
    app = client.app
    assert isinstance(app, FastAPI)
    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for param in route.dependant.body_params:
            for model in _models(param.field_info.annotation):
                checked += 1
                assert issubclass(model, InputModel | TextPolicyModel), (context.path, model)
                if not issubclass(model, InputModel):  # a discriminated union: text only
                    assert all(
                        f.annotation in (str, str | None)
                        or "Literal" in repr(f.annotation)
                        or "dict" in repr(f.annotation)
                        for f in model.model_fields.values()
                    ), model
    assert checked > 50
