"""The UI in a real browser (issue 17, item 9): sign in per role, the main flows, the
dashboard at 1440 and 390 px in both languages, and no serious or critical axe-core
violation on the main pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser
SHOTS = ROOT / "var" / "screenshots"
MAIN_PAGES = (
    "/dashboard",
    "/requirements",
    "/requirements/A6.3.1.4",
    "/detect",
    "/findings",
    "/findings/from-check",
    "/evidence",
    "/phishing/cases",
    "/mobile/apps/etrade-android",
    "/policies",
    "/etrade/customers",
    "/audit",
    "/mobile",
    "/iot/assets",
    "/devices",
    "/requirements/A6.3.1.2",  # with the manual-assessment form
)
WIDTHS = {"desktop": 1440, "phone": 390}


def sign_in(
    browser: Any, live_firm: tuple[str, dict[str, str]], user: str, width: int, *, axe: bool = False
) -> Any:
    """A page signed in as ``user``; ``axe``: the page may run the injected axe-core script
    (the app's CSP refuses inline scripts, as it should)."""
    base, passwords = live_firm
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=base, bypass_csp=axe
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", passwords[user])
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    return page


def assert_stacked(page: Any, table: str, first_labels: tuple[str, ...], width: int) -> None:
    """At phone ``width`` the rows of the ``table`` (a selector) are cards: every body cell
    spans (nearly) the table's width with its column's label before it, and the page does
    not scroll sideways (before: the columns squeezed until words broke letter by letter)."""
    located = page.locator(table)
    table_width = located.bounding_box()["width"]
    cells = located.locator("tbody td")
    assert cells.count() >= 3
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box["width"] >= 0.9 * table_width, (i, box, table_width)
    label = page.evaluate(
        "selector => getComputedStyle(document.querySelector(selector), '::before').content",
        f"{table} tbody td",
    )
    assert label.strip('"') in first_labels
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def admin(browser: Any, live_firm: tuple[str, dict[str, str]]) -> Iterator[Any]:
    page = sign_in(browser, live_firm, "admin", WIDTHS["desktop"], axe=True)
    yield page
    page.context.close()


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """Every axe-core violation on the page: rule, impact, nodes (the first three)."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "count": len(v["nodes"]),
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in result
    ]


IMPACTS = ("critical", "serious", "moderate", "minor")


@pytest.mark.slow  # axe-core on 32 pages
def test_main_pages_have_no_serious_axe_violations(admin: Any, axe_source: str) -> None:
    """Serious and critical violations fail; every impact is counted in the summary."""
    found: dict[str, list[dict[str, Any]]] = {}
    summary = []
    for language in ("zh-TW", "en"):
        for path in MAIN_PAGES:
            admin.goto(f"{path}?lang={language}")
            violations = axe_violations(admin, axe_source)
            by_impact = {
                impact: sum(v["count"] for v in violations if v["impact"] == impact)
                for impact in IMPACTS
            }
            rules = sorted({f"{v['id']} ({v['impact']})" for v in violations})
            summary.append({"page": path, "lang": language, **by_impact, "rules": rules})
            problems = [v for v in violations if v["impact"] in ("serious", "critical")]
            if problems:
                found[f"{path} ({language})"] = problems
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "axe-summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    assert found == {}


@pytest.mark.parametrize("language", ["zh-TW", "en"])
@pytest.mark.parametrize("layout", sorted(WIDTHS))
def test_dashboard_fits_each_width(
    browser: Any, live_firm: tuple[str, dict[str, str]], layout: str, language: str
) -> None:
    width = WIDTHS[layout]
    page = sign_in(browser, live_firm, "compliance", width)
    page.goto(f"/dashboard?lang={language}")
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{language}-{width}.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{layout} {language}: {scroll_width} px wide"
    menu = page.locator("nav.mainnav")
    if layout == "phone":
        assert not menu.is_visible()
        page.click("details.menu-toggle summary")
        assert menu.is_visible()
        groups = menu.locator("details.navgroup")
        assert groups.count() >= 5, "the menu is grouped by article"
        groups.nth(1).locator("summary").click()
        assert groups.nth(1).locator(".navlinks a").first.is_visible()
        opened = page.evaluate("document.documentElement.scrollWidth")
        assert opened <= width, f"the opened menu is {opened} px wide"
    else:
        assert menu.is_visible()
    page.context.close()


@pytest.mark.parametrize(
    "path",
    # /iot/assets: its hidden "Edit" header (position:absolute) pushed the page 11 px wide
    ["/evidence", "/detect", "/requirements", "/findings", "/iot/assets", "/devices/register"],
)
def test_lists_do_not_scroll_sideways_on_a_phone(
    browser: Any, live_firm: tuple[str, dict[str, str]], path: str
) -> None:
    page = sign_in(browser, live_firm, "security", WIDTHS["phone"])
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]
    page.context.close()


def test_the_skip_link_moves_focus_to_the_content(admin: Any) -> None:
    admin.goto("/dashboard")
    admin.keyboard.press("Tab")
    assert admin.evaluate("document.activeElement.className") == "skip-link"
    admin.keyboard.press("Enter")
    assert admin.evaluate("document.activeElement.id") == "main"


def test_bulk_triage_in_the_browser_keeps_the_list_state(
    browser: Any, live_firm: tuple[str, dict[str, str]]
) -> None:
    page = sign_in(browser, live_firm, "security", WIDTHS["desktop"])
    page.goto("/detect?status=new&sort=-last_seen")
    boxes = page.locator("input[name=alert_ids]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("button[value=triage]")
    page.wait_for_url("**/detect?status=new&sort=-last_seen")
    page.click("a[hreflang=en]")
    assert "status=new" in page.url and "sort=-last_seen" in page.url
    page.goto("/detect?status=triaged&lang=en")
    assert page.locator("tbody tr").count() >= 2
    page.context.close()


def test_the_auditor_sees_no_triage_form_and_the_role_in_the_header(
    browser: Any, live_firm: tuple[str, dict[str, str]]
) -> None:
    page = sign_in(browser, live_firm, "auditor", WIDTHS["desktop"])
    page.goto("/detect")
    assert page.locator("input[name=alert_ids]").count() == 0
    assert "稽核（唯讀）" in page.locator("header").inner_text()
    page.context.close()


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_the_jobs_table_is_readable_on_a_phone(
    browser: Any, live_firm: tuple[str, dict[str, str]], language: str
) -> None:
    """/jobs at 390 px: each job a card, as the auditor (no run button) and as the admin."""
    for user in ("auditor", "admin"):
        page = sign_in(browser, live_firm, user, WIDTHS["phone"])
        page.goto(f"/jobs?lang={language}")
        assert_stacked(page, "section.card table.stack", ("作業", "Job"), WIDTHS["phone"])
        page.context.close()
