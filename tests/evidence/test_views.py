from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.evidence.service import file_store, list_evidence
from brokerguard.rulebook import load_rulebook
from brokerguard.staff.roles import Role
from brokerguard.web.app import create_app
from tests.conftest import sign_in
from tests.loop_guard import sql_on_event_loop

PDF = "%PDF-1.7\n% 滲透測試報告\n".encode()


def _form(**overrides: str) -> dict[str, str]:
    first = load_rulebook().obligations()[0].id
    data = {
        "title": "115 年度弱點掃描報告",
        "kind": "lab_report",
        "requirement_ids": first,
        "owner": "王大明",
        "unit": "資訊安全處",
        "valid_until": "116/03/31",
    }
    data.update(overrides)
    return data


def _nothing_stored(engine: Engine, settings: Settings) -> bool:
    with session_factory(engine)() as session:
        rows = list_evidence(session)
    folder = Path(settings.data_dir) / "evidence"
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return not rows and not files


def test_upload_list_detail_and_download(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    sign_in(client, engine, clock, Role.app_team)
    assert client.get("/evidence/upload").status_code == 200
    response = client.post(
        "/evidence/upload",
        data=_form(requirement_ids=" , ".join(r.id for r in load_rulebook().obligations()[:2])),
        files={"file": ("弱點掃描報告.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    detail = client.get(response.headers["location"])
    assert "證據已儲存" in detail.text
    assert "116/03/31" in detail.text  # ROC date accepted and shown
    listing = client.get("/evidence").text
    assert "115 年度弱點掃描報告" in listing
    evidence_id = response.headers["location"].split("/")[2].split("?")[0]
    download = client.get(f"/evidence/{evidence_id}/download")
    assert download.status_code == 200
    assert download.content == PDF
    assert "attachment" in download.headers["content-disposition"]
    assert "filename*=UTF-8''" in download.headers["content-disposition"]


def test_download_refuses_a_tampered_file(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    sign_in(client, engine, clock, Role.security)
    response = client.post(
        "/evidence/upload",
        data=_form(),
        files={"file": ("scan.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    evidence_id = response.headers["location"].split("/")[2].split("?")[0]
    with session_factory(engine)() as session:
        digest = list_evidence(session)[0].sha256
    path = file_store(settings).path_for(digest)
    path.chmod(0o600)
    path.write_bytes(PDF + b"tampered")
    refused = client.get(f"/evidence/{evidence_id}/download")
    assert refused.status_code == 422
    assert "altered" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("filename", "content", "overrides", "field_text"),
    [
        ("empty.pdf", b"", {}, "檔案是空的"),
        ("tool.exe", b"MZ\x90\x00", {}, "not accepted"),
        ("fake.pdf", b"GIF89a not a pdf", {}, "first bytes do not match"),
        ("../../etc/passwd.pdf", PDF, {}, "檔名不得含資料夾路徑"),
        ("report.pdf", PDF, {"requirement_ids": "A9.1, Z99"}, "查無此條次: Z99"),
        ("report.pdf", PDF, {"requirement_ids": "  "}, "請至少填寫一個條次"),
        ("report.pdf", PDF, {"title": ""}, "請填寫名稱"),
        ("report.pdf", PDF, {"kind": "Lab Report!"}, "證據類型須為"),
        ("report.pdf", PDF, {"valid_until": "116/13/45"}, "日期不存在：「116/13/45」"),
        ("report.pdf", PDF, {"valid_until": "tomorrow"}, "不是有效日期"),
    ],
)
def test_refused_upload_reshows_the_form_and_stores_nothing(
    client: TestClient,
    engine: Engine,
    clock: FixedClock,
    settings: Settings,
    filename: str,
    content: bytes,
    overrides: dict[str, str],
    field_text: str,
) -> None:
    sign_in(client, engine, clock, Role.security)
    form = _form(**overrides)
    response = client.post(
        "/evidence/upload",
        data=form,
        files={"file": (filename, content, "application/octet-stream")},
    )
    assert 400 <= response.status_code < 500
    assert field_text in response.text
    assert 'class="field-error"' in response.text
    assert "未儲存任何資料" in response.text
    if form["title"]:
        assert f'value="{form["title"]}"' in response.text  # the input is re-shown
    assert _nothing_stored(engine, settings)


def raw_multipart(fields: dict[str, str], filename: bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, so the file name reaches the server unencoded."""
    boundary = "bg-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", [b"report\x07.pdf", b"report\x1b[31m.pdf", b"a\\..\\b.pdf"])
def test_hostile_raw_file_names_are_refused(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings, name: bytes
) -> None:
    token = sign_in(client, engine, clock, Role.security)
    body, content_type = raw_multipart({**_form(), "csrf_token": token}, name, PDF)
    response = client.post(
        "/evidence/upload",
        content=body,
        headers={"content-type": content_type},
        follow_redirects=False,
    )
    assert response.status_code == 422, response.text
    assert "檔名" in response.text
    assert 'value="115 年度弱點掃描報告"' in response.text
    assert _nothing_stored(engine, settings)


def test_every_field_error_is_shown_at_once(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    sign_in(client, engine, clock, Role.security)
    response = client.post(
        "/evidence/upload",
        data=_form(kind="BAD KIND", requirement_ids="A9.1 NOPE1", valid_until="99/99/99"),
        files={"file": ("r.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 3
    assert "查無此條次: NOPE1" in response.text and "證據類型須為" in response.text
    assert 'value="99/99/99"' in response.text
    assert _nothing_stored(engine, settings)


def test_upload_without_a_file(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    sign_in(client, engine, clock, Role.security)
    response = client.post("/evidence/upload", data=_form(), files={"x": ("a", b"", "text/plain")})
    assert response.status_code == 422
    assert "請選擇要上傳的檔案" in response.text
    assert _nothing_stored(engine, settings)


@pytest.fixture
def small_client(settings: Settings, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(
        settings.model_copy(update={"upload_max_bytes": 64}), engine=engine, clock=clock
    )
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_too_big_upload_is_refused(
    small_client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    sign_in(small_client, engine, clock, Role.security)
    response = small_client.post(
        "/evidence/upload",
        data=_form(),
        files={"file": ("big.pdf", PDF + b"x" * 200, "application/pdf")},
    )
    assert response.status_code == 413
    assert "the limit is 64 bytes" in response.text
    assert _nothing_stored(engine, settings)


def test_auditor_cannot_upload_and_csrf_is_required(
    client: TestClient, engine: Engine, clock: FixedClock, settings: Settings
) -> None:
    token = sign_in(client, engine, clock, Role.auditor)
    assert client.get("/evidence/upload").status_code == 403
    files = {"file": ("r.pdf", PDF, "application/pdf")}
    assert client.post("/evidence/upload", data=_form(), files=files).status_code == 403
    assert "上傳證據" not in client.get("/evidence").text
    del client.headers["X-CSRF-Token"]
    sign_in(client, engine, clock, Role.security)
    del client.headers["X-CSRF-Token"]
    no_token = client.post("/evidence/upload", data=_form(), files=files)
    assert no_token.status_code == 403
    assert token  # the auditor had a valid session token; the role refused it
    assert _nothing_stored(engine, settings)


def test_the_upload_stores_off_the_event_loop(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    """Stored and refused: no SQL on the event loop (before: store_evidence ran on it)."""
    sign_in(client, engine, clock, Role.security)
    with sql_on_event_loop(engine) as on_loop:
        stored = client.post(
            "/evidence/upload",
            data=_form(),
            files={"file": ("scan.pdf", PDF, "application/pdf")},
            follow_redirects=False,
        )
        refused = client.post(
            "/evidence/upload",
            data=_form(),
            files={"file": ("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
        )
    assert (stored.status_code, refused.status_code) == (303, 415)
    assert on_loop == [], on_loop
