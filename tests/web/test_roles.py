"""Role-aware UI (issue 17, item 3): the menu and the forms show only what the signed-in
role may do, and the header names the role."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

MENU = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'href="(/[^"]*)"')
POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"')
#: forms that only read (score pasted links, verify the trail): the auditor may use them
READ_ONLY_POSTS = {"/logout", "/phishing/check", "/audit/verify"}
PAGES = (
    "/dashboard",
    "/findings",
    "/findings/from-check",
    "/evidence",
    "/policies",
    "/detect",
    "/etrade/customers",
    "/phishing/cases",
    "/phishing/reminders",
    "/training/people",
    "/iot/assets",
    "/mobile",
    "/deepfake",
    "/social",
)


def menu_of(client: TestClient) -> list[str]:
    page = client.get("/dashboard").text
    found = MENU.search(page)
    assert found is not None
    return LINK.findall(found[1])


@pytest.mark.parametrize("username", ["admin", "security", "compliance", "auditor", "appteam"])
def test_every_menu_entry_opens(demo_firm: Callable[[str], TestClient], username: str) -> None:
    client = demo_firm(username)
    entries = menu_of(client)
    assert "/dashboard" in entries
    for path in entries:
        assert client.get(path).status_code in (200, 303), f"{username}: {path}"


def test_the_app_team_menu_leaves_out_security_records(
    demo_firm: Callable[[str], TestClient],
) -> None:
    entries = menu_of(demo_firm("appteam"))
    assert "/audit" not in entries and "/detect" not in entries
    assert "/mobile" in entries
    assert "/audit" in menu_of(demo_firm("auditor"))


def test_the_auditor_sees_no_form_that_changes_data(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("auditor")
    for path in PAGES:
        page = client.get(path)
        if page.status_code != 200:
            continue
        actions = [a for a in POST_FORM.findall(page.text) if a not in READ_ONLY_POSTS]
        assert actions == [], f"{path} offers the auditor {actions}"


#: pages whose links lead to forms (add, import, edit, upload) as well as to records
LINKING_PAGES = (
    *PAGES,
    "/attestations",
    "/attestations/rulebooks",
    "/devices",
    "/devices/register",
    "/iot/assets",
    "/iot/exceptions",
    "/requirements/A1",
    "/requirements/A7.1.1",
)
SKIPPED_LINK = re.compile(r"^/(static/|logout)|/export|/download|\.(csv|xlsx|pdf|json|html)(\?|$)")
ID_PART = re.compile(r"/[0-9a-f]{8}-[0-9a-f-]{27}|/\d+(?=/|$)")


def _refused_links(client: TestClient, pages: tuple[str, ...]) -> dict[str, str]:
    """Each page's same-site links (one per shape: record IDs alike), opened: those the
    signed-in role is refused (403), with the page that offered them."""
    refused: dict[str, str] = {}
    shapes: set[str] = set()
    for path in pages:
        page = client.get(path)
        if page.status_code != 200:
            continue
        for link in LINK.findall(page.text):
            link = link.replace("&amp;", "&").split("#", 1)[0]
            shape = ID_PART.sub("/{id}", link.split("?", 1)[0])
            if SKIPPED_LINK.search(link) or shape in shapes:
                continue
            shapes.add(shape)
            if client.get(link).status_code == 403:
                refused[link] = path
    return refused


@pytest.mark.parametrize("username", ["auditor", "appteam"])
def test_no_page_links_to_what_the_role_is_refused(
    demo_firm: Callable[[str], TestClient], username: str
) -> None:
    """Before: the auditor was offered "upload evidence", "add", "import" and "edit" links
    that answered 403 (requirement, findings, devices, IoT and referenced-rules pages)."""
    client = demo_firm(username)
    assets = LINK.findall(client.get("/iot/assets").text)
    asset = next(a for a in assets if ID_PART.fullmatch(a.removeprefix("/iot/assets")))
    assert _refused_links(client, (*LINKING_PAGES, asset)) == {}


def test_the_auditor_is_offered_no_edit_link(demo_firm: Callable[[str], TestClient]) -> None:
    """The house registers' edit pages answer every role, so the link walk cannot catch
    them: before, each row offered the auditor "Edit", a page with nothing to edit."""
    registers = ("/training/people", "/training/courses", "/social/accounts", "/attestations")
    for username, offered in (("auditor", False), ("security", True)):
        client = demo_firm(username)
        for path in registers:
            edits = [a for a in LINK.findall(client.get(path).text) if a.endswith("/edit")]
            assert bool(edits) is offered, (username, path)


def test_the_security_unit_still_gets_its_forms(demo_firm: Callable[[str], TestClient]) -> None:
    client = demo_firm("security")
    assert 'action="/detect/alerts"' in client.get("/detect").text
    for path, link in (
        ("/requirements/A1", "/evidence/upload?requirement_ids=A1"),
        ("/findings", "/findings/import"),
        ("/devices", "/devices/register/new"),
        ("/iot/exceptions", "/iot/exceptions/new"),
        ("/attestations/rulebooks", 'action="/attestations/rulebooks"'),
    ):
        assert link in client.get(path).text, path
    assert 'action="/findings/from-check"' in client.get("/findings/from-check").text


def test_the_header_names_the_role(demo_firm: Callable[[str], TestClient]) -> None:
    client = demo_firm("auditor")
    assert "稽核（唯讀）" in client.get("/dashboard").text
    assert "Internal audit (read-only)" in client.get("/dashboard?lang=en").text


def test_a_refused_page_is_translated_and_offers_the_way_back(
    demo_firm: Callable[[str], TestClient],
) -> None:
    client = demo_firm("appteam")
    refused = client.get(
        "/audit", headers={"accept": "text/html", "referer": "https://testserver/mobile?q=a"}
    )
    assert refused.status_code == 403
    assert "您沒有" in refused.text or "權限" in refused.text
    assert 'href="/mobile?q=a"' in refused.text
    hostile = client.get(
        "/audit", headers={"accept": "text/html", "referer": "https://evil.example/x"}
    )
    assert "evil.example" not in hostile.text


def test_every_form_the_app_team_is_offered_is_one_it_may_send(
    demo_firm: Callable[[str], TestClient],
) -> None:
    """Sent empty, an offered form may be refused for its input, never with a bare 403."""
    client = demo_firm("appteam")
    forbidden: dict[str, str] = {}
    for path in (*PAGES, "/mobile/apps/etrade-android"):
        page = client.get(path)
        if page.status_code != 200:
            continue
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        for action in set(POST_FORM.findall(page.text)) - {"/logout", "/assessment/run"}:
            answer = client.post(action, data={"csrf_token": token[1] if token else ""})
            if answer.status_code == 403:
                forbidden[action] = path
    assert forbidden == {}
