"""Every list pages, searches, filters and sorts on the server, keeps its state in the URL
across the language switch and refuses a bad parameter by name (issue 17, item 4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from fastapi.testclient import TestClient

from brokerguard.devices.schemas import PROBLEM_LABELS

LISTS = (
    "/evidence",
    "/phishing/cases",
    "/iot/assets",
    "/devices/register",
    "/devices",
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


def test_devices_filter_by_compliance_problem_and_unit(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("security")
    total = rows(client.get("/devices?per_page=100").text)
    assert total > 0
    bad = rows(client.get("/devices?compliance=noncompliant&per_page=100").text)
    good = rows(client.get("/devices?compliance=compliant&per_page=100").text)
    assert bad + good == total and bad > 0
    seen = 0
    for problem, (zh, en) in PROBLEM_LABELS.items():
        found = client.get(f"/devices?problem={problem.value}&per_page=100&lang=en").text
        body = ROW.search(found)
        assert body is not None
        shown = [r for r in re.findall(r"<tr>.*?</tr>", body.group(1), re.S) if "colspan" not in r]
        assert all(en in row for row in shown), problem
        seen += len(shown)
        if shown:  # searching the problem's zh-TW word finds at least those devices
            by_word = client.get(f"/devices?q={quote(zh)}&per_page=100")
            assert rows(by_word.text) >= len(shown)
    assert seen >= bad
    for query, field in (("compliance=maybe", "compliance"), ("problem=x", "problem")):
        answer = client.get(f"/devices?{query}&lang=zh-TW", headers=HTML)
        assert answer.status_code == 422 and f"<code>{field}</code>" in answer.text
    kept = client.get("/devices?compliance=noncompliant&sort=unit&lang=en").text
    assert "compliance=noncompliant" in kept and "sort=unit" in kept  # the language switch


def test_evidence_kinds_show_their_words_never_codes(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("compliance")
    page = client.get("/evidence?per_page=100&lang=zh-TW").text
    assert "<code>policy_document</code>" not in page
    assert "規範文件" in page
    assert '<option value="policy_document" >規範文件</option>' in page
    english = client.get("/evidence?per_page=100&lang=en").text
    assert ">Policy document<" in english
    by_word = rows(client.get("/evidence?q=%E8%A6%8F%E7%AF%84%E6%96%87%E4%BB%B6&per_page=100").text)
    by_kind = rows(client.get("/evidence?kind=policy_document&per_page=100").text)
    assert by_word >= by_kind > 0
