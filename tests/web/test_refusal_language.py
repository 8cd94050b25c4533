"""Every refusal in the page's language (issue 17, items 1 and 3): each form the admin
is shown on a zh-TW page is sent back empty and filled with nonsense; a refusal
(4xx page) must read in zh-TW, with no English message and no untranslated msgid.

Forms whose empty submission does real work (sign out, run every check) are left out."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient

from tests.web.language_scan import other_language
from tests.web.test_one_language import PENDING, _pattern, _untranslated, _walk

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
#: forms that do work when sent empty, not a refusal to read
DOES_WORK = ("/logout", "/assessment/run")
HTML = {"accept": "text/html"}
#: refusals that show a page still pending in the language walk (its own reason there)
PENDING_ACTIONS = {
    "/phishing/cases/{id}/confirm": PENDING["/phishing/cases/{id}"],
    "/phishing/cases/{id}/dismiss": PENDING["/phishing/cases/{id}"],
}


def _forms(html: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """The POST forms of a page: (action, hidden values, names of the visible fields)."""
    found = []
    for head, body in FORM.findall(html):
        attrs = dict(ATTR.findall(head))
        if attrs.get("method", "get").lower() != "post" or not attrs.get("action"):
            continue
        hidden: dict[str, str] = {}
        visible: list[str] = []
        for _, field in FIELD.findall(body):
            fattrs = dict(ATTR.findall(field))
            name = fattrs.get("name")
            if not name:
                continue
            if fattrs.get("type") == "hidden":
                hidden[name] = unescape(fattrs.get("value", ""))
            elif fattrs.get("type") != "file":
                visible.append(name)
        found.append((unescape(attrs["action"]), hidden, visible))
    return found


@pytest.fixture(scope="module")
def refusals(demo_firm: Callable[[str], TestClient]) -> dict[str, list[str]]:
    """action pattern -> English texts found on its refusal pages (empty: clean)."""
    client = demo_firm("admin")
    client.get("/dashboard?lang=zh-TW")
    forms: dict[str, tuple[str, dict[str, str], list[str]]] = {}
    for path in _walk(client).values():
        for action, hidden, visible in _forms(client.get(path, headers=HTML).text):
            key = _pattern(action.split("?")[0])
            if not action.startswith(DOES_WORK):
                forms.setdefault(key, (action, hidden, visible))
    leaks: dict[str, list[str]] = {}
    with _untranslated() as missing:
        for key, (action, hidden, visible) in sorted(forms.items()):
            for filler in ("", "x\u00a0<b>?"):
                data = {**hidden, **dict.fromkeys(visible, filler)}
                answer = client.post(action, data=data, headers=HTML)
                if answer.status_code < 400 or "text/html" not in answer.headers.get(
                    "content-type", ""
                ):
                    continue
                found = other_language(answer.text, "zh-TW")
                if found:
                    leaks.setdefault(key, []).extend(found[:3])
    for message in sorted(missing):
        leaks.setdefault("(untranslated msgids)", []).append(message)
    leaks["(forms sent)"] = sorted(forms)
    return leaks


def test_the_walk_sends_many_forms(refusals: dict[str, list[str]]) -> None:
    sent = refusals["(forms sent)"]
    assert len(sent) > 20
    assert any(s.startswith("/requirements/") and s.endswith("/manual") for s in sent)


def test_every_refusal_reads_in_chinese(refusals: dict[str, list[str]]) -> None:
    leaks = {k: v for k, v in refusals.items() if k != "(forms sent)" and k not in PENDING_ACTIONS}
    assert leaks == {}
    for key in PENDING_ACTIONS:  # only the pending explanation, no English message
        assert all("zhengquan" in text for text in refusals.get(key, [])), refusals[key]
