"""Every list pages, searches, filters and sorts on the server, keeps its state in the URL
across the language switch and refuses a bad parameter by name (issue 17, item 4)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

LISTS = (
    "/evidence",
    "/phishing/cases",
    "/iot/assets",
    "/devices/register",
    "/training/people",
    "/social/accounts",
    "/attestations",
    "/findings/from-check",
    "/audit?account=admin",
)
ROW = re.compile(r"<tbody>(.*?)</tbody>", re.S)
HTML = {"accept": "text/html"}


def rows(html: str) -> int:
    body = ROW.search(html)
    assert body is not None, "no table body"
    found = re.findall(r"<tr.*?</tr>", body.group(1), re.S)
    return len([row for row in found if "colspan=" not in row])


BAD = (("sort=password", "sort"), ("page=0", "page"), ("per_page=7", "per_page"))


def test_every_list_searches_sorts_pages_and_refuses_a_bad_parameter_by_name(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("admin")
    problems: list[str] = []
    for path in LISTS:
        join = "&" if "?" in path else "?"
        page = client.get(path)
        if page.status_code != 200:
            problems.append(f"{path}: {page.status_code}")
            continue
        for mark in ('role="search"', 'class="pager"', 'aria-sort="'):
            if mark not in page.text:
                problems.append(f"{path}: no {mark}")
        if rows(client.get(path + join + "q=zzz-no-such-row-zzz").text) != 0:
            problems.append(f"{path}: a search that matches nothing shows rows")
        for query, field in BAD:
            answer = client.get(path + join + query + "&lang=zh-TW", headers=HTML)
            if answer.status_code != 422 or f"<code>{field}</code>" not in answer.text:
                problems.append(f"{path}?{query}: {answer.status_code}, field not named")
            english = client.get(path + join + query + "&lang=en", headers=HTML)
            if field not in english.text:
                problems.append(f"{path}?{query}&lang=en: the message does not name {field}")
    assert problems == []


def test_evidence_filters_search_and_sorts(demo_firm: Callable[[str], TestClient]) -> None:
    client = demo_firm("compliance")
    everything = client.get("/evidence?per_page=100&lang=en").text
    total = rows(everything)
    assert total > 0
    expired = rows(client.get("/evidence?validity=expired&per_page=100").text)
    current = rows(client.get("/evidence?validity=current&per_page=100").text)
    assert expired + current == total
    first = client.get("/evidence?requirement=A9.7&per_page=100").text
    assert rows(first) >= 1 and all(
        "A9.7" in row for row in re.findall(r"<tr class.*?</tr>", first, re.S)
    )
    by_title = re.findall(r'<span translate="no">([^<]+)</span></a><br>', everything)
    ordered = client.get("/evidence?sort=title&per_page=100").text
    assert re.findall(r'<span translate="no">([^<]+)</span></a><br>', ordered) == sorted(
        by_title, key=str.casefold
    )
    assert client.get("/evidence?validity=stale").status_code == 422


def test_the_language_switch_keeps_the_list_state(demo_firm: Callable[[str], TestClient]) -> None:
    page = demo_firm("security").get("/phishing/cases?status=new&sort=-score&q=a").text
    link = re.search(r'href="([^"]+)" lang="en"', page)
    assert link is not None
    target = link.group(1).replace("&amp;", "&")
    assert "status=new" in target and "sort=-score" in target and "q=a" in target
    assert "lang=en" in target


def test_a_register_filters_by_a_coded_column(demo_firm: Callable[[str], TestClient]) -> None:
    client = demo_firm("security")
    page = client.get("/iot/assets?per_page=100").text
    total = rows(page)
    options = re.findall(r'<select name="device_type">(.*?)</select>', page, re.S)
    assert options, "the device type is offered as a filter"
    values = re.findall(r'<option value="([^"]+)"', options[0])
    counted = sum(
        rows(client.get(f"/iot/assets?per_page=100&device_type={value}").text) for value in values
    )
    assert counted == total
    assert client.get("/iot/assets?device_type=toaster").status_code == 422
