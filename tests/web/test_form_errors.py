"""A browser's form refused before its handler runs (a value over the route's limit, a
field the form parser will not read) gets the error page in the page's language, not
the API's JSON; API clients keep the JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in

HTML = {"accept": "text/html"}
PDF = ("review.pdf", b"%PDF-1.4\n% a review\n", "application/pdf")


@pytest.fixture
def security(client: TestClient, engine: Engine, clock: FixedClock) -> TestClient:
    sign_in(client, engine, clock, Role.security)
    return client


def test_a_value_over_the_routes_limit_gets_the_error_page(security: TestClient) -> None:
    """Before: ``{"error": {"code": "invalid_input", ...}}`` shown to the browser."""
    form = {"title": "界" * 1001, "kind": "review_record", "requirement_ids": "A1"}
    page = security.post("/evidence/upload", data=form, files={"file": PDF}, headers=HTML)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "送至本頁的值不正確" in page.text and "<code>title</code>" in page.text
    assert 'href="/evidence/upload"' in page.text  # the way back to the form
    api = security.post("/evidence/upload", data=form, files={"file": PDF})
    assert api.status_code == 422
    assert api.json()["error"]["field"] == "title"


def test_a_form_the_parser_refuses_gets_the_error_page(security: TestClient) -> None:
    """A text field over the form parser's 1 MB: before, Starlette's English as JSON."""
    huge = {"title": "x" * (1024 * 1024 + 1), "kind": "review_record"}
    page = security.post("/evidence/upload", data=huge, files={"file": PDF}, headers=HTML)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "無法讀取表單：有欄位超過 1 MB" in page.text
    english = security.post(
        "/evidence/upload?lang=en", data=huge, files={"file": PDF}, headers=HTML
    )
    assert "The form could not be read" in english.text
    api = security.post("/evidence/upload", data=huge, files={"file": PDF})
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "http_error"
