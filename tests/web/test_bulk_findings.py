"""Findings for many failed checks at once, and from a failing requirement's page
(issue 17, items 4 and 6): all of them or none, a refusal keeps the page and the input."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import CSRF

CHECK_ROW = re.compile(r'name="check_ids" value="([^"]+)".*?<a href="/requirements/([^"]+)">', re.S)


def token(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found[1]


def failed_checks(client: TestClient) -> list[tuple[str, str]]:
    """(check ID, its first requirement) of every failed check of the latest run."""
    page = client.get("/findings/from-check?per_page=100").text
    found = CHECK_ROW.findall(page)
    assert len(found) >= 5, "the demo firm has failing checks"
    return found


def findings_of(client: TestClient, check_id: str) -> int:
    page = client.get(f"/findings?q={check_id}&per_page=100").text
    return len(re.findall(r'<a href="/findings/[0-9a-f-]{36}"', page))


@pytest.mark.slow  # hundreds of findings
def test_many_failed_checks_become_findings_in_one_go(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("security")
    chosen = [check for check, _ in failed_checks(client)[:3]]
    answer = client.post(
        "/findings/from-check",
        data={
            "csrf_token": token(client, "/findings/from-check"),
            "check_ids": chosen,
            "owner": "資訊部",
            "due_date": "115/12/31",
            "severity": "high",
        },
    )
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["location"].startswith("/findings?")
    assert all(findings_of(client, check) >= 1 for check in chosen)


def test_one_refused_check_refuses_them_all_and_keeps_the_input(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("security")
    check = failed_checks(client)[3][0]
    before = findings_of(client, check)
    answer = client.post(
        "/findings/from-check",
        data={
            "csrf_token": token(client, "/findings/from-check"),
            "check_ids": [check, "no.such.check"],
            "owner": "資訊部",
        },
    )
    assert answer.status_code == 422
    assert "清單已變動" in answer.text and "未儲存任何資料" in answer.text
    assert f'value="{check}" checked' in answer.text and 'value="資訊部"' in answer.text
    assert findings_of(client, check) == before


def test_bad_bulk_input_is_named_in_the_pages_language(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("compliance")
    check = failed_checks(client)[0][0]
    csrf = token(client, "/findings/from-check")
    cases: tuple[tuple[dict[str, object], str], ...] = (
        ({}, "Choose at least one failed check."),
        ({"check_ids": ["x" * 129]}, "Choose at least one failed check."),
        ({"check_ids": [check], "due_date": "13/45/2026"}, "The due date is not a date"),
        ({"check_ids": [check], "severity": "apocalyptic"}, "Choose a severity"),
        ({"check_ids": [check], "owner": "o" * 200}, "Name the owner"),
        ({"check_ids": ["   "]}, "Choose at least one failed check."),
    )
    for extra, message in cases:
        answer = client.post("/findings/from-check?lang=en", data={"csrf_token": csrf, **extra})
        assert answer.status_code == 422, extra
        assert message in answer.text, extra


def test_the_auditor_cannot_raise_findings(demo_firm: Callable[[str], TestClient]) -> None:
    client = demo_firm("auditor")
    check = failed_checks(demo_firm("security"))[0][0]
    page = client.get("/findings/from-check").text
    assert 'name="check_ids"' not in page
    answer = client.post(
        "/findings/from-check",
        data={"csrf_token": token(client, "/dashboard"), "check_ids": [check]},
    )
    assert answer.status_code == 403


def test_a_finding_from_a_failing_requirements_page(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("compliance")
    check, requirement = failed_checks(client)[4]
    page = client.get(f"/requirements/{requirement}").text
    assert f'action="/requirements/{requirement}/findings"' in page
    csrf = token(client, f"/requirements/{requirement}")
    refused = client.post(
        f"/requirements/{requirement}/findings",
        data={"csrf_token": csrf, "check_id": check, "owner": "法遵部", "due_date": "soon"},
    )
    assert refused.status_code == 422
    assert f"<h1>{requirement} " in refused.text, "the requirement's own page again"
    assert "改善期限不是有效日期" in refused.text and 'value="soon"' in refused.text
    assert '<details class="raise-finding" open>' in refused.text
    elsewhere = next(c for c, r in failed_checks(client) if r != requirement and c != check)
    wrong = client.post(
        f"/requirements/{requirement}/findings",
        data={"csrf_token": csrf, "check_id": elsewhere},
    )
    assert wrong.status_code == 422 and "不是此條文的檢核項目" in wrong.text
    raised = client.post(
        f"/requirements/{requirement}/findings",
        data={"csrf_token": csrf, "check_id": check, "owner": "法遵部", "due_date": "115/12/31"},
    )
    assert raised.status_code == 303 and raised.headers["location"].startswith("/findings/")
    finding = client.get(raised.headers["location"]).text
    assert requirement in finding and "法遵部" in finding
    assert (
        client.post(
            "/requirements/A99.9/findings", data={"csrf_token": csrf, "check_id": check}
        ).status_code
        == 404
    )
