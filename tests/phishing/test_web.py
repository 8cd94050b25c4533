"""JSON API and HTML pages of the phishing domain."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.phishing import reminders
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.registry import save_brands
from brokerguard.staff.roles import Role
from tests.conftest import FIXTURES, sign_in
from tests.loop_guard import sql_on_event_loop
from tests.phishing.conftest import BRANDS_FILE


def _store(engine: Engine, clock: FixedClock, brands: list[Brand]) -> None:
    with session_factory(engine)() as session:
        save_brands(session, clock, brands)
        session.commit()


def test_api_workflow(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    _store(engine, clock, brands)
    sign_in(client, engine, clock, Role.security)
    checked = client.post(
        "/api/v1/phishing/check",
        json={"inputs": ["yuanta-login.top", "not a host"], "text": "請至 fub0n.com 登入"},
    )
    assert checked.status_code == 200
    results = checked.json()["results"]
    assert [r.get("flagged") for r in results] == [True, None, True]
    opened = client.post("/api/v1/phishing/cases", json={"input": "yuanta-login.top"})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    bad = client.post(f"/api/v1/phishing/cases/{case_id}/takedown")
    assert bad.status_code == 409
    triaged = client.post(
        f"/api/v1/phishing/cases/{case_id}/triage", json={"confirmed": True, "registrar": "Demo"}
    )
    assert triaged.json()["status"] == "triaged"
    banner = client.get("/api/v1/phishing/public/banner").json()
    assert "yuanta-login.top" in banner["zh-TW"]["body"]
    feed = client.get("/api/v1/phishing/public/inapp-feed").json()
    assert len(feed) == 2
    letters = client.post(f"/api/v1/phishing/cases/{case_id}/takedown").json()["letters"]
    assert [x["recipient"] for x in letters] == ["registrar", "hosting", "hotline_165"]
    closed = client.post(f"/api/v1/phishing/cases/{case_id}/close", json={"resolution": "已下架"})
    assert closed.json()["status"] == "closed"
    detail = client.get(f"/api/v1/phishing/cases/{case_id}").json()
    assert [e["action"] for e in detail["events"]] == [
        "opened",
        "confirmed",
        "takedown_requested",
        "closed",
    ]


def test_api_bad_input(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    sign_in(client, engine, clock, Role.security)
    no_brands = client.post("/api/v1/phishing/check", json={"inputs": ["a.com"]})
    assert no_brands.status_code == 422 and no_brands.json()["error"]["field"] == "brands"
    _store(engine, clock, brands)
    assert client.post("/api/v1/phishing/check", json={"inputs": []}).status_code == 422
    too_many = {"inputs": ["a.com"] * 1001}
    assert client.post("/api/v1/phishing/check", json=too_many).status_code == 422
    unflagged = client.post("/api/v1/phishing/cases", json={"input": "google.com"})
    assert unflagged.status_code == 422
    garbage = client.post("/api/v1/phishing/cases", json={"input": "http://[::1]/"})
    assert garbage.status_code == 422 and garbage.json()["error"]["field"] == "input"
    assert client.get("/api/v1/phishing/cases/nope").status_code == 404
    assert client.get("/api/v1/phishing/cases?status=bogus").status_code == 422
    bad_yaml = client.put(
        "/api/v1/phishing/brands", content="[broken", headers={"content-type": "application/yaml"}
    )
    assert bad_yaml.status_code == 422


def test_api_roles(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    _store(engine, clock, brands)
    assert client.post("/api/v1/phishing/check", json={"inputs": ["a.com"]}).status_code == 401
    sign_in(client, engine, clock, Role.auditor)
    assert client.get("/api/v1/phishing/cases").status_code == 200
    denied = client.post("/api/v1/phishing/cases", json={"input": "yuanta-login.top"})
    assert denied.status_code == 403


def test_put_brands(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.security)
    body = BRANDS_FILE.read_text(encoding="utf-8")
    stored = client.put(
        "/api/v1/phishing/brands",
        content=body.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert stored.status_code == 200, stored.text
    assert len(stored.json()["stored"]) == 10
    listed = client.get("/api/v1/phishing/brands").json()
    assert "yuanda" in next(b for b in listed if b["key"] == "yuanta")["terms"]


def test_pages(client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]) -> None:
    _store(engine, clock, brands)
    token = sign_in(client, engine, clock, Role.security)
    page = client.get("/phishing/cases")
    assert page.status_code == 200 and "仿冒" in page.text
    checked = client.post(
        "/phishing/check",
        data={"csrf_token": token, "text": "【通知】請至 https://yuanta-login.top/a 驗證"},
    )
    assert checked.status_code == 200 and "yuanta-login.top" in checked.text
    empty = client.post("/phishing/check", data={"csrf_token": token, "text": "   "})
    assert empty.status_code == 422
    opened = client.post(
        "/phishing/cases",
        data={"csrf_token": token, "target": "yuanta-login.top"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    url = opened.headers["location"]
    detail = client.get(url)
    assert detail.status_code == 200 and "受文者" in detail.text
    dismiss = client.post(url + "/dismiss", data={"csrf_token": token, "note": ""})
    assert dismiss.status_code == 422
    confirm = client.post(
        url + "/confirm", data={"csrf_token": token, "registrar": "R"}, follow_redirects=False
    )
    assert confirm.status_code == 303
    takedown = client.post(url + "/takedown", data={"csrf_token": token}, follow_redirects=False)
    assert takedown.status_code == 303
    assert "evidence:sha256:" in client.get(url).text
    assert client.post(url + "/nope", data={"csrf_token": token}).status_code == 404
    brands_page = client.get("/phishing/brands?lang=en")
    assert brands_page.status_code == 200 and "yuanta.com.tw" in brands_page.text


def test_pages_refuse_other_roles(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    _store(engine, clock, brands)
    token = sign_in(client, engine, clock, Role.auditor)
    assert client.get("/phishing/cases").status_code == 200
    denied = client.post("/phishing/cases", data={"csrf_token": token, "target": "x.top"})
    assert denied.status_code == 403


def test_notices_api_and_page(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    _store(engine, clock, brands)
    token = sign_in(client, engine, clock, Role.compliance)
    listed = client.get("/api/v1/phishing/notices").json()
    assert len(listed) == 4
    bad = client.put("/api/v1/phishing/notices/periodic/en", json={"subject": "s", "body": "{x}"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "body"
    good = client.put(
        "/api/v1/phishing/notices/periodic/en",
        json={"subject": "Stay safe", "body": "Only {domains}."},
    )
    assert good.status_code == 200
    sent = client.post("/api/v1/phishing/reminders/periodic")
    assert sent.json() == {"sends": 4}
    log = client.get("/api/v1/phishing/reminders").json()
    assert {e["channel"] for e in log} == {"banner", "inapp"}
    page = client.get("/phishing/reminders")
    assert page.status_code == 200 and "Stay safe" in page.text
    form = client.post(
        "/phishing/reminders/notice",
        data={
            "csrf_token": token,
            "template": "periodic",
            "language": "zh-TW",
            "subject": "提醒",
            "body": "{bad}",
        },
    )
    assert form.status_code == 422 and "{bad}" in form.text
    ok = client.post(
        "/phishing/reminders/notice",
        data={
            "csrf_token": token,
            "template": "periodic",
            "language": "zh-TW",
            "subject": "提醒",
            "body": "官方網域：{domains}",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert (
        client.post(
            "/phishing/reminders/send", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )


def test_notices_refuse_auditor(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.auditor)
    denied = client.put("/api/v1/phishing/notices/periodic/en", json={"subject": "s", "body": "b"})
    assert denied.status_code == 403


def test_apps_page(
    client: TestClient, engine: Engine, clock: FixedClock, brands: list[Brand]
) -> None:
    _store(engine, clock, brands)
    token = sign_in(client, engine, clock, Role.security)
    assert client.get("/phishing/apps").status_code == 200
    with sql_on_event_loop(engine) as on_loop:  # the check and its record run off the loop
        listing = (
            "store,title,package\napkpure,元大證券 VIP,com.fake.yuanta\nx,Calculator,com.calc\n"
        )
        checked = client.post(
            "/phishing/apps",
            data={"csrf_token": token, "record": "true"},
            files={"upload": ("listings.csv", listing.encode(), "text/csv")},
        )
        assert checked.status_code == 200, checked.text
        assert "com.fake.yuanta" in checked.text and "status-fail" in checked.text
        cases = client.get("/api/v1/phishing/cases").json()
        assert [c["target"] for c in cases] == ["com.fake.yuanta"]
        apk = (FIXTURES / "apk" / "com.politedroid_4.apk").read_bytes()
        unrelated = client.post(
            "/phishing/apps",
            data={"csrf_token": token},
            files={"upload": ("polite.apk", apk, "application/vnd.android.package-archive")},
        )
        assert unrelated.status_code == 200 and "com.politedroid" in unrelated.text
        broken = client.post(
            "/phishing/apps",
            data={"csrf_token": token},
            files={"upload": ("bad.apk", b"PK\x03\x04 not really", "application/octet-stream")},
        )
        assert broken.status_code == 422 and 'role="alert"' in broken.text
        empty = client.post(
            "/phishing/apps",
            data={"csrf_token": token},
            files={"upload": ("l.csv", b"", "text/csv")},
        )
        assert empty.status_code == 422
    assert on_loop == [], on_loop


def test_public_feeds_serve_only_their_declared_shape(
    client: TestClient, settings: Settings
) -> None:
    """A feed file edited by hand or cut short is served as the empty feed (no sign-in)."""
    directory = reminders.feed_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    banner, feed = directory / "banner.json", directory / "inapp-feed.json"
    for bad_banner, bad_feed in (
        ('{"zh-TW": {"title": 1}}', '[{"id": "x"}]'),
        ("[1, 2]", '{"not": "a list"}'),
        ('{"zh-TW": {"title": "t", "bo', ""),
    ):
        banner.write_text(bad_banner, "utf-8")
        feed.write_text(bad_feed, "utf-8")
        assert client.get("/api/v1/phishing/public/banner").json() == {}
        assert client.get("/api/v1/phishing/public/inapp-feed").json() == []
    message = {"title": "t", "body": "b", "template": "periodic", "published_at": "2026-12-03"}
    banner.write_text(json.dumps({"zh-TW": message}), "utf-8")
    feed.write_text(json.dumps([{**message, "id": "m1", "language": "en"}]), "utf-8")
    assert client.get("/api/v1/phishing/public/banner").json() == {"zh-TW": message}
    served = client.get("/api/v1/phishing/public/inapp-feed")
    assert served.json() == [{**message, "id": "m1", "language": "en"}]
    assert served.headers["cache-control"] == "public, max-age=300"
