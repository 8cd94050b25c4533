"""Workflows in a real browser (issue 17, item 6): the release gate end to end with an APK
from the shared fixtures, a finding raised from a failing requirement's page and a manual
assessment of a requirement its checks cannot decide."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, T0
from tests.mobile.apkbuild import make_signer, rebuild_apk
from tests.web.browser.test_pages import WIDTHS, sign_in

pytestmark = pytest.mark.browser
FIXTURE_APK = FIXTURES / "apk" / "golden-aligned-v2-out.apk"
FACTS = json.loads((FIXTURES / "apk" / "expected-facts.json").read_text(encoding="utf-8"))[
    FIXTURE_APK.name
]
SLUG = "tiny-android"


def gate_failures(page: Any) -> set[str]:
    """The rules the shown gate result fails."""
    rows = page.locator(".gate-result tbody tr").all()
    return {
        row.locator("td.mono").inner_text() for row in rows if row.locator(".status-fail").count()
    }


def api(page: Any, path: str, **kwargs: Any) -> Any:
    """A JSON API call in the page's session (its cookie and CSRF token)."""
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    return page.context.request.post(path, headers={"X-CSRF-Token": token}, **kwargs)


def test_the_release_gate_end_to_end(
    browser: Any, live_firm: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """The fixture APK as it is, then re-signed with the firm's key and built with root and
    debug detection (what a release build carries), through the gate to the store."""
    signer = make_signer()
    release_apk = tmp_path / "tiny-1.0.apk"
    release_apk.write_bytes(rebuild_apk(FIXTURE_APK, signer))
    team = sign_in(browser, live_firm, "appteam", WIDTHS["desktop"])
    created = api(
        team,
        "/api/v1/mobile/apps",
        data={
            "slug": SLUG,
            "name_zh": "測試小程式",
            "name_en": "Tiny test app",
            "platform": "android",
            "package_name": FACTS["package"],
            "official_cert_sha256": [signer.cert_sha256],
        },
    )
    assert created.status == 201, created.text()
    team.goto(f"/mobile/apps/{SLUG}?lang=en")
    check = team.locator(f"form[action='/mobile/apps/{SLUG}/gate']")
    check.locator("input[name=artifact]").set_input_files(str(FIXTURE_APK))
    with team.expect_navigation():
        check.locator("button[type=submit]").click()
    assert "May not be published yet" in team.locator(".gate-result").inner_text()
    assert {"signing_certificate", "root_debug_warning"} <= gate_failures(team)
    assert team.locator("article[id^=release-]").count() == 0, "a gate check registers nothing"

    upload = team.locator(f"form[action='/mobile/apps/{SLUG}/releases']")
    upload.locator("input[name=artifact]").set_input_files(str(release_apk))
    upload.locator("input[name=store]").fill("Google Play")
    with team.expect_navigation():
        upload.locator("button[type=submit]").click()
    assert gate_failures(team) == {"lab_test_current", "dual_approval"}
    release_id = team.locator("article[id^=release-]").first.get_attribute("id")[8:]

    security = sign_in(browser, live_firm, "security", WIDTHS["desktop"])
    day = (T0 - timedelta(days=10)).date().isoformat()
    lab = api(
        security,
        f"/api/v1/mobile/apps/{SLUG}/lab-tests",
        multipart={
            "kind": "mas_baseline",
            "lab": "台灣檢驗科技",
            "taf_accreditation_no": "3245",
            "baseline_version": "v4.0",
            "level": "L2",
            "tested_from": day,
            "tested_to": day,
            "report_date": day,
            "result": "pass",
        },
    )
    assert lab.status == 201, lab.text()
    for user, unit, approver in (
        ("security", "security", security),
        ("compliance", "compliance", None),
    ):
        page = approver or sign_in(browser, live_firm, user, WIDTHS["desktop"])
        page.goto(f"/mobile/apps/{SLUG}")
        form = page.locator(f"form[action='/mobile/releases/{release_id}/approve']")
        form.locator("select[name=unit]").select_option(unit)
        form.locator("textarea[name=comment]").fill(f"{unit} 已核閱權限與檢測報告")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/mobile/apps/{SLUG}")
        page.context.close()

    team.goto(f"/mobile/apps/{SLUG}?lang=en")
    publish = team.locator(f"form[action='/mobile/releases/{release_id}/publish']")
    publish.locator("input[name=artifact]").set_input_files(str(release_apk))
    publish.locator("input[name=released_on]").fill("115/11/26")
    publish.locator("button[type=submit]").click()
    team.wait_for_url(f"**/mobile/apps/{SLUG}#release-{release_id}")
    article = team.locator(f"#release-{release_id}")
    assert "Listed in store" in article.inner_text()
    assert team.locator(f"form[action='/mobile/releases/{release_id}/publish']").count() == 0
    team.context.close()


def test_a_finding_from_a_failing_requirement_in_the_browser(
    browser: Any, live_firm: tuple[str, dict[str, str]]
) -> None:
    page = sign_in(browser, live_firm, "compliance", WIDTHS["desktop"])
    page.goto("/findings/from-check?lang=en")
    page.locator("tbody tr a[href^='/requirements/']").first.click()
    requirement = page.url.split("/requirements/")[1].split("?")[0]
    form = page.locator("details.raise-finding").first
    form.locator("summary").click()
    form.locator("input[name=due_date]").fill("not a day")
    form.locator("button[type=submit]").click()
    assert "The due date is not a date" in page.locator("[role=alert]").first.inner_text()
    kept = page.locator("details.raise-finding[open] input[name=due_date]")
    assert kept.input_value() == "not a day"
    kept.fill("115/12/31")
    page.locator("details.raise-finding[open] input[name=owner]").fill("法遵部")
    page.locator("details.raise-finding[open] button[type=submit]").click()
    page.wait_for_url("**/findings/*")
    assert requirement in page.inner_text("main") and "法遵部" in page.inner_text("main")
    page.context.close()


def test_a_manual_assessment_in_the_browser(
    browser: Any, live_firm: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """A6.3.1.2: its check can only answer manual in the demo (no listing URL configured).
    A refusal keeps what was typed; the recorded result counts after the next run."""
    page = sign_in(browser, live_firm, "compliance", WIDTHS["desktop"])
    page.goto("/requirements/A6.3.1.2?lang=en")
    form = page.locator("details.manual-form")
    form.locator("summary").click()
    form.locator("select[name=result]").select_option("pass")
    form.locator("textarea[name=reason]").fill("Listing checked against the store page")
    form.locator("select[name=reviewer]").select_option("security")
    form.locator("input[name=valid_until]").fill("2030-01-01")  # beyond one review cycle
    snapshot = tmp_path / "listing.pdf"
    snapshot.write_bytes(b"%PDF-1.4\n% store listing snapshot\n")
    form.locator("input[name=file]").set_input_files(str(snapshot))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Valid until must be a date" in page.locator("#manual-error").inner_text()
    kept = page.locator("details.manual-form[open]")
    assert kept.locator("textarea[name=reason]").input_value().startswith("Listing checked")
    assert kept.locator("select[name=reviewer]").input_value() == "security"
    day = (T0 + timedelta(days=90)).date().isoformat()
    kept.locator("input[name=valid_until]").fill(day)
    kept.locator("input[name=file]").set_input_files(str(snapshot))  # browsers drop the file
    with page.expect_navigation():
        kept.locator("button[type=submit]").click()
    manual = page.locator("#manual tbody tr").first
    assert "Counts" in manual.inner_text() and day in manual.inner_text()
    # the engine counts it: a run of this requirement (the live firm's clock stands still,
    # so a new full run would tie with the demo's latest one)
    run = api(page, "/api/v1/assessment/runs", data={"scope": "A6.3.1.2"})
    assert run.status == 201, run.text()
    (outcome,) = [r for r in run.json()["requirements"] if r["id"] == "A6.3.1.2"]
    assert outcome["status"] == "pass"
    reason = outcome["reason_en"]
    assert "Manual assessment: Listing checked against the store page" in reason
    assert "reviewed by security" in reason
    page.context.close()
