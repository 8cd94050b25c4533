"""Attaching a policy's own document in a real browser (issue 12): the file chosen in the
register form, and one attached later to a policy registered without it, land in the
evidence store and the policy register links them."""

from __future__ import annotations

from typing import Any

import pytest

from brokerguard.rulebook import RequirementKind, load_rulebook
from tests.web.browser.test_pages import WIDTHS, sign_in

pytestmark = pytest.mark.browser
PDF = "%PDF-1.4\n% 雲端服務管理辦法\n%%EOF\n".encode()


def _requirement() -> str:
    rulebook = load_rulebook()
    policy_kind = [r.id for r in rulebook.ordered() if r.kind is RequirementKind.policy]
    return (policy_kind or [rulebook.obligations()[0].id])[0]


def _register(page: Any, title: str) -> None:
    page.goto("/policies/new")
    page.fill("input[name=title]", title)
    page.fill("input[name=version]", "1.0")
    page.fill("input[name=owner_unit]", "資訊安全處")
    page.fill("input[name=requirement_ids]", _requirement())


def _submit(page: Any, action: str) -> None:
    """Send the page's form posting to a URL ending in ``action`` (not the header's forms)."""
    page.click(f"main form[action$='{action}'] button[type=submit]")


def _row(page: Any, title: str) -> Any:
    return page.locator("tbody tr[id^=policy-]", has_text=title)


def test_a_policy_document_is_attached_from_the_browser(
    browser: Any, live_firm: tuple[str, dict[str, str]]
) -> None:
    page = sign_in(browser, live_firm, "security", WIDTHS["desktop"])
    _register(page, "瀏覽器測試 雲端服務管理辦法")
    page.set_input_files(
        "input[name=document]",
        files=[{"name": "雲端服務管理辦法.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    _submit(page, "/policies/new")
    page.wait_for_url("**/policies#policy-*")
    row = _row(page, "瀏覽器測試 雲端服務管理辦法")
    row.get_by_role("link", name="檢視文件").click()
    page.wait_for_url("**/evidence/*")
    assert "雲端服務管理辦法.pdf" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.locator("a[href$='/download']").first.click()
    assert download.value.suggested_filename == "雲端服務管理辦法.pdf"

    # registered without its document: flagged, and attached afterwards from the list
    _register(page, "瀏覽器測試 人工智慧作業規範")
    _submit(page, "/policies/new")
    page.wait_for_url("**/policies#policy-*")
    row = _row(page, "瀏覽器測試 人工智慧作業規範")
    assert "未附文件" in row.inner_text()
    row.get_by_role("link", name="附加規範文件").click()
    page.wait_for_url("**/policies/*/document")
    page.set_input_files(
        "input[name=document]",
        files=[{"name": "ai.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}],
    )
    _submit(page, "/document")
    assert page.locator("#err-document").is_visible()  # refused, named by the field
    page.set_input_files(
        "input[name=document]",
        files=[{"name": "ai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    _submit(page, "/document")
    page.wait_for_url("**/policies#policy-*")
    row = _row(page, "瀏覽器測試 人工智慧作業規範")
    assert "未附文件" not in row.inner_text() and "檢視文件" in row.inner_text()
    page.context.close()
