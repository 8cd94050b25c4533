"""Dashboard and requirement list (issue 17, item 5): headline pass rate, cards that open the
filtered /requirements list, per-article progress, my tasks."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

ROW_LINK = re.compile(r'<td><a href="/requirements/([A-Z][\d.]+)">')


def test_headline_cards_and_article_links(demo_firm: Callable[[str], TestClient]) -> None:
    page = demo_firm("compliance").get("/dashboard").text
    assert re.search(r'<span class="count-num">\d+%</span>\s*<span>符合率</span>', page)
    for status in ("pass", "fail", "manual", "error", "not_applicable"):
        assert f'href="/requirements?status={status}"' in page
    assert 'href="/requirements?article=9"' in page and "<meter" in page
    assert "✓" in page and "✗" in page  # status is not colour alone


def test_a_card_opens_the_list_with_exactly_those_requirements(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("auditor")
    dashboard = client.get("/dashboard?lang=en").text
    failing = re.search(
        r'href="/requirements\?status=fail">\s*<span class="count-num">(\d+)</span>', dashboard
    )
    assert failing is not None
    listing = client.get("/requirements?status=fail&per_page=100").text
    assert f"/ {failing[1]}</span>" in listing  # the pager's total
    ids = ROW_LINK.findall(listing)
    assert len(ids) == int(failing[1])
    for requirement_id in ids[:3]:
        detail = client.get(f"/requirements/{requirement_id}").text
        assert "status-fail" in detail


def test_requirements_filter_by_article_and_unit_and_search(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("security")
    art9 = ROW_LINK.findall(client.get("/requirements?article=9&per_page=100").text)
    assert art9 and all(r.startswith("A9") for r in art9)
    searched = ROW_LINK.findall(client.get("/requirements?q=A9.7").text)
    assert searched == ["A9.7"]
    assert client.get("/requirements?article=99").status_code == 422
    assert client.get("/requirements?status=green").status_code == 422
    unit_page = client.get("/requirements?unit=資訊安全處&per_page=100")
    assert unit_page.status_code == 200 and ROW_LINK.findall(unit_page.text)


def test_my_tasks_are_the_signed_in_persons(demo_firm: Callable[[str], TestClient]) -> None:
    compliance = demo_firm("compliance").get("/dashboard").text
    assert "我的待辦" in compliance and "核定規範文件" in compliance
    auditor = demo_firm("auditor").get("/dashboard").text
    assert "核定規範文件" not in auditor
