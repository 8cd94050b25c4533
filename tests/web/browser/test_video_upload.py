"""Uploading a video-ID recording for automatic analysis from the session page in a real
browser (issue 19): a file that is not a video is refused on the page, named in zh-TW; a
synthetic recording that covers the session's own schedule is queued (等待分析)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from brokerguard.deepfake.analysis import synthetic
from brokerguard.deepfake.analysis.schedule import parse_schedule
from tests.web.browser.test_pages import WIDTHS, assert_stacked, sign_in

pytestmark = pytest.mark.browser
FORM = "main form[action$='/analysis']"


def _png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(synthetic.astronaut()).save(out, format="PNG")
    return out.getvalue()


def test_a_recording_is_uploaded_for_analysis_from_the_session_page(
    browser: Any, live_firm: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    page = sign_in(browser, live_firm, "security", WIDTHS["desktop"])
    sessions = page.request.get("/api/v1/deepfake/sessions").json()["items"]
    [open_one] = [s for s in sessions if s["status"] == "in_progress"]
    page.goto(f"/deepfake/{open_one['id']}?lang=zh-TW")
    photo = {"name": "id.png", "mimeType": "image/png", "buffer": _png()}

    page.set_input_files(
        f"{FORM} input[name=recording]",
        files=[{"name": "call.mp4", "mimeType": "video/mp4", "buffer": b"not a video at all"}],
    )
    page.set_input_files(f"{FORM} input[name=id_photo]", files=[photo])
    page.click(f"{FORM} button[type=submit]")
    alert = page.locator("p.error[role=alert]")
    assert "檔案內容不是可接受的影片或照片格式" in alert.inner_text()
    assert open_one["customer_ref"] in page.locator("main h1").inner_text()  # the page is kept

    schedule = parse_schedule(open_one["schedule"])
    clip = synthetic.make_clip(tmp_path / "call.mp4", "no_face", schedule, fps=5, tail_s=0.5)
    page.set_input_files(
        f"{FORM} input[name=recording]",
        files=[{"name": "call.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}],
    )
    page.set_input_files(f"{FORM} input[name=id_photo]", files=[photo])
    page.click(f"{FORM} button[type=submit]")
    page.wait_for_url(f"**/deepfake/{open_one['id']}#analysis-title")
    section = page.locator("#analysis-title").locator("xpath=..").inner_text()
    assert "等待分析" in section and "MP4" in section
    page.context.close()


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_the_challenge_table_is_readable_on_a_phone(
    browser: Any, live_firm: tuple[str, dict[str, str]], language: str
) -> None:
    """At 390 px each challenge is a card, each value under its label across the card's
    width (before: five columns squeezed until words broke letter by letter)."""
    width = WIDTHS["phone"]
    page = sign_in(browser, live_firm, "security", width)
    sessions = page.request.get("/api/v1/deepfake/sessions").json()["items"]
    [open_one] = [s for s in sessions if s["status"] == "in_progress"]
    page.goto(f"/deepfake/{open_one['id']}?lang={language}")
    assert_stacked(
        page, "section[aria-labelledby=analysis-title] table", ("挑戰", "Challenge"), width
    )
    page.context.close()
