from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.staff.roles import Role
from tests.conftest import sign_in


def test_report_downloads(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    sign_in(client, engine, clock, Role.auditor)
    page = client.get("/reports")
    assert page.status_code == 200
    assert "/reports/self-assessment.pdf?lang=zh-TW" in page.text
    html = client.get("/reports/self-assessment.html?lang=en")
    assert html.status_code == 200 and "Self-assessment" in html.text
    pdf = client.get("/reports/self-assessment.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert b"MSung-Light" in pdf.content
    xlsx = client.get("/reports/self-assessment.xlsx?lang=zh-TW")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "總覽"


def test_bad_report_requests(client: TestClient, engine: Engine, clock: FixedClock) -> None:
    assert client.get("/reports/self-assessment.pdf").status_code == 401
    sign_in(client, engine, clock, Role.auditor)
    unknown = client.get("/reports/self-assessment.docx")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "format"
    assert client.get("/reports/self-assessment.pdf?lang=fr").status_code == 422
    assert client.get("/reports/self-assessment.pdf?lang=").status_code == 422
