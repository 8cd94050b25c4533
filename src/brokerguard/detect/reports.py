"""Daily and monthly login-monitoring analysis reports (A9.3), kept as evidence.

A report counts login attempts, failures by reason, attempts on non-customer
accounts, the top sources and the top targeted accounts, a trend chart (per hour for
a day, per day for a month, Asia/Taipei) and the alerts of the period by rule and
status. It is rendered as a self-contained HTML page (inline SVG chart) and stored
through the evidence service against A9.3; the summary is kept in ``detect_reports``.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brokerguard.clock import TAIPEI, Clock, as_utc
from brokerguard.config import Settings
from brokerguard.detect.models import DetectAlert, DetectReport
from brokerguard.detect.service import _rows, to_login_event
from brokerguard.detect.settings import DetectSettings
from brokerguard.errors import ValidationError

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    kind: str  # daily / monthly
    label: str
    start: datetime  # aware, Taipei midnight
    end: datetime

    @classmethod
    def parse(cls, kind: str, label: str) -> Period:
        if kind == "daily" and DAY.match(label):
            try:
                day = date.fromisoformat(label)
            except ValueError:
                raise ValidationError(f"not a date: {label!r}", field="period") from None
            start = datetime.combine(day, time(), TAIPEI)
            return cls(kind, label, start, start + timedelta(days=1))
        if kind == "monthly" and MONTH.match(label):
            year, month = (int(x) for x in label.split("-"))
            start = datetime(year, month, 1, tzinfo=TAIPEI)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=TAIPEI)
            return cls(kind, label, start, end)
        raise ValidationError(
            "daily reports take YYYY-MM-DD, monthly reports YYYY-MM", field="period"
        )

    @classmethod
    def previous(cls, kind: str, clock: Clock) -> Period:
        today = clock.now().astimezone(TAIPEI).date()
        if kind == "daily":
            return cls.parse(kind, (today - timedelta(days=1)).isoformat())
        first = today.replace(day=1) - timedelta(days=1)
        return cls.parse(kind, f"{first:%Y-%m}")


def summarise(session: Session, period: Period, settings: DetectSettings) -> dict[str, Any]:
    attempts = failures = successes = non_customer = 0
    reasons: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    targets: Counter[str] = Counter()
    trend: Counter[str] = Counter()
    never = set(settings.never_login_accounts)
    for row in _rows(
        session,
        settings,
        time_from=as_utc(period.start),
        time_to=as_utc(period.end),
    ):
        event = to_login_event(row)
        if event.function != "etrade.login.password":
            continue
        attempts += 1
        local = datetime.fromtimestamp(event.ts, TAIPEI)
        bucket = f"{local:%H}" if period.kind == "daily" else f"{local:%d}"
        if event.attributes.get("account_known") == 0 or event.account in never:
            non_customer += 1
        if event.outcome == "failure":
            failures += 1
            trend[bucket] += 1
            reasons[str(event.attributes.get("reason", "unknown"))] += 1
            sources[event.source_ip or "-"] += 1
            targets[event.account] += 1
        else:
            successes += 1
    alerts = session.scalars(
        select(DetectAlert).where(
            DetectAlert.first_seen >= as_utc(period.start),
            DetectAlert.first_seen < as_utc(period.end),
        )
    ).all()
    by_rule: Counter[str] = Counter(a.rule_id for a in alerts)
    by_status: Counter[str] = Counter(a.status for a in alerts)
    buckets = (
        [f"{h:02d}" for h in range(24)]
        if period.kind == "daily"
        else [f"{d:02d}" for d in range(1, (period.end - period.start).days + 1)]
    )
    return {
        "kind": period.kind,
        "period": period.label,
        "attempts": attempts,
        "successes": successes,
        "failures": failures,
        "non_customer_attempts": non_customer,
        "failures_by_reason": dict(reasons.most_common()),
        "top_sources": sources.most_common(10),
        "top_accounts": targets.most_common(10),
        "trend": [[b, trend.get(b, 0)] for b in buckets],
        "alerts_by_rule": dict(by_rule.most_common()),
        "alerts_by_status": dict(by_status),
    }


def _svg_bars(trend: list[list[Any]]) -> str:
    width, height = 720, 160
    top = max((int(v) for _, v in trend), default=0) or 1
    bar = width / max(len(trend), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" '
        'role="img" aria-label="failed logins trend">'
    ]
    for i, (label, value) in enumerate(trend):
        h = int(int(value) / top * height)
        x = i * bar
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - h}" width="{bar - 2:.1f}" height="{h}" '
            f'fill="#b03a2e"><title>{html.escape(str(label))}: {int(value)}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height + 14}" font-size="9" '
            f'text-anchor="middle">{html.escape(str(label))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(summary: dict[str, Any], firm: str) -> str:
    esc = html.escape
    kind_zh = "日" if summary["kind"] == "daily" else "月"

    def table(rows: list[Any], head: tuple[str, str]) -> str:
        body = "".join(f"<tr><td>{esc(str(k))}</td><td>{int(v)}</td></tr>" for k, v in rows)
        return f"<table><tr><th>{head[0]}</th><th>{head[1]}</th></tr>{body}</table>"

    return f"""<!doctype html><html lang="zh-Hant-TW"><head><meta charset="utf-8">
<title>登入監控分析{kind_zh}報 {esc(summary["period"])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:2px 8px}}</style></head><body>
<h1>{esc(firm)} 登入失敗與非客戶帳號登入監控分析{kind_zh}報
 / Login monitoring {esc(summary["kind"])} report (A9.3)</h1>
<p>期間 Period: {esc(summary["period"])} (Asia/Taipei)</p>
<ul>
<li>登入嘗試 Attempts: {summary["attempts"]}</li>
<li>成功 Successes: {summary["successes"]}</li>
<li>失敗 Failures: {summary["failures"]}</li>
<li>非客戶帳號嘗試 Non-customer attempts: {summary["non_customer_attempts"]}</li>
</ul>
<h2>失敗趨勢 Failure trend</h2>{_svg_bars(summary["trend"])}
<h2>失敗原因 Failures by reason</h2>
{table(list(summary["failures_by_reason"].items()), ("原因 Reason", "次數 Count"))}
<h2>主要來源 Top sources</h2>{table(summary["top_sources"], ("來源 IP", "失敗 Failures"))}
<h2>主要目標帳號 Top targeted accounts</h2>
{table(summary["top_accounts"], ("帳號 Account", "失敗 Failures"))}
<h2>告警 Alerts</h2>{table(list(summary["alerts_by_rule"].items()), ("規則 Rule", "件數 Count"))}
{table(list(summary["alerts_by_status"].items()), ("狀態 Status", "件數 Count"))}
</body></html>"""


def generate_report(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    kind: str,
    period: str | None = None,
    detect_settings: DetectSettings | None = None,
    created_by: str = "brokerguard-detect",
) -> DetectReport:
    """Build the report, store it as A9.3 evidence and record it in ``detect_reports``."""
    from brokerguard.evidence.service import store_evidence

    if kind not in ("daily", "monthly"):
        raise ValidationError("kind is daily or monthly", field="kind")
    chosen = Period.parse(kind, period) if period else Period.previous(kind, clock)
    detect_settings = detect_settings or settings.detect
    summary = summarise(session, chosen, detect_settings)
    page = render_html(summary, settings.firm_name_zh)
    record = store_evidence(
        session,
        clock,
        settings,
        content=page.encode("utf-8"),
        filename=f"a9-3-login-monitoring-{kind}-{chosen.label}.html",
        title=f"登入監控分析報告 Login monitoring {kind} report {chosen.label}",
        requirement_ids=["A9.3"],
        kind="monitoring_report",
        uploaded_by=created_by,
        unit="資安專責單位",
    )
    report = DetectReport(
        kind=kind,
        period=chosen.label,
        created_at=clock.now(),
        summary=json.dumps(summary, ensure_ascii=False),
        evidence_ref=record.reference,
    )
    session.add(report)
    session.flush()
    return report


def latest_report(session: Session, kind: str) -> DetectReport | None:
    return session.scalars(
        select(DetectReport)
        .where(DetectReport.kind == kind)
        .order_by(DetectReport.created_at.desc())
        .limit(1)
    ).first()
