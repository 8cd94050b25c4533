"""Phishing and counterfeit-app monitoring's scheduled jobs (A8.1, A6.3.1.3).

- ``phishing.feeds``: scan every feed file dropped in ``<data_dir>/phishing/feeds``
  (CT JSON lines, newly-registered-domain lists, URL feeds), each file once (its
  SHA-256 is in the recorded scan), opening a case per flagged name;
- ``phishing.cases``: a ``phishing_case`` notice for each new case, however it was
  opened (feed job, CLI scan, web, store-listing check), once per case;
- ``phishing.reminders``: the periodic customer reminder (banner and in-app feed)
  when it is due.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink
from brokerguard.phishing import reminders, service
from brokerguard.phishing.feeds import LineError, read_feed
from brokerguard.phishing.models import PhishingCase, ScanRun
from brokerguard.phishing.registry import current_brands
from brokerguard.phishing.scoring import Scorer, Verdict

#: cases opened per feed file at most (as ``phishing scan --record``)
MAX_CASES_PER_FILE = 500


def feed_inbox(data_dir: Path) -> Path:
    return data_dir / "phishing" / "feeds"


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def scan_feeds(ctx: JobContext) -> JobOutcome:
    inbox = feed_inbox(ctx.settings.data_dir)
    files = sorted(p for p in inbox.glob("*") if p.is_file()) if inbox.is_dir() else []
    scanned = flagged_total = 0
    for path in files:
        digest = _digest(path)
        marker = f"sha256:{digest}"
        with ctx.unit_of_work() as session:
            done = session.scalar(
                select(ScanRun.id).where(ScanRun.description.like(f"%{marker}")).limit(1)
            )
            if done is not None:
                continue
            brands = current_brands(session)
            if not brands:
                return JobOutcome("no brands registered: feeds not scanned", skipped=True)
            started = ctx.clock.now()
            source = "ct" if path.suffix in (".jsonl", ".json") else "domains"
            counts = {"names": 0, "flagged": 0, "rejected": 0}
            flagged: list[Verdict] = []
            with path.open("rb") as handle:
                for item in Scorer(brands).scan(_names(read_feed(handle), counts)):
                    if isinstance(item, Verdict):
                        counts["flagged"] += 1
                        if len(flagged) < MAX_CASES_PER_FILE:
                            flagged.append(item)
                    else:
                        counts["rejected"] += 1
            service.record_scan(
                session,
                ctx.clock,
                source=source,
                started_at=started,
                description=f"{path.name[:120]} {marker}",
                settings=ctx.settings,
                actor="worker",
                **counts,
            )
            for verdict in flagged:
                service.open_site_case(session, ctx.clock, verdict, source=source, actor="worker")
        scanned += 1
        flagged_total += counts["flagged"]
    if not scanned:
        return JobOutcome("no new feed file", skipped=True)
    return JobOutcome(
        f"{scanned} feed file(s) scanned, {flagged_total} name(s) flagged",
        {"files": scanned, "flagged": flagged_total},
    )


def _names(items: Iterator[str | LineError], counts: dict[str, int]) -> Iterator[str]:
    for item in items:
        if isinstance(item, str):
            counts["names"] += 1
            yield item
        else:
            counts["rejected"] += 1


def notify_cases(ctx: JobContext) -> JobOutcome:
    with ctx.unit_of_work() as session:
        cases = list(
            session.scalars(
                select(PhishingCase)
                .where(PhishingCase.status == "new")
                .order_by(PhishingCase.opened_at)
            )
        )
        sink = notice_sink(session, ctx.clock)
        for case in cases:
            app = case.kind == "app"
            sink.notify(
                Notice(
                    kind=NoticeKind.phishing_case,
                    severity=Severity.high if case.score >= 80 else Severity.medium,
                    title_zh=f"{'疑似仿冒 App' if app else '疑似仿冒網站'}:{case.target}",
                    title_en=f"Suspected {'counterfeit app' if app else 'phishing site'}: "
                    f"{case.target}",
                    summary=f"case {case.number}: {case.target} imitates {case.brand_key} "
                    f"({case.detection_kind}, score {case.score}, source {case.source})",
                    occurred_at=case.opened_at,
                    dedupe_key=f"phishing_case:{case.id}",
                    url=f"/phishing/cases/{case.id}",
                    requirement_ids=("A6.3.1.3",) if app else ("A8.1",),
                    details={"case": case.number, "score": case.score},
                )
            )
    if not cases:
        return JobOutcome("no new case", skipped=True)
    return JobOutcome(
        f"{len(cases)} case(s) awaiting triage, each announced once", {"cases": len(cases)}
    )


def send_reminders(ctx: JobContext) -> JobOutcome:
    phishing = ctx.settings.phishing
    with ctx.unit_of_work() as session:
        if not reminders.periodic_due(session, ctx.clock, phishing.reminder_every_days):
            return JobOutcome("periodic reminder not due yet", skipped=True)
        domains = [d for b in current_brands(session) for d in b.domains]
        sends = reminders.send_reminder(
            session,
            ctx.clock,
            ctx.settings,
            template="periodic",
            channels=reminders.default_channels(ctx.settings, ctx.clock, phishing, email=False),
            recipients=[],
            domains=domains,
            trigger="periodic",
            actor="worker",
        )
    return JobOutcome(
        f"periodic reminder sent through {len(sends)} channel/language pair(s)",
        {"sends": len(sends)},
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="phishing.feeds",
        schedule="*/10 * * * *",
        run=scan_feeds,
        title_zh="仿冒網域情資掃描",
        title_en="Phishing feed scan",
        timeout_s=1200,
        requirement_ids=("A8.1",),
    ),
    JobSpec(
        name="phishing.cases",
        schedule="* * * * *",
        run=notify_cases,
        title_zh="仿冒案件通報",
        title_en="Phishing case alerts",
        timeout_s=60,
        requirement_ids=("A8.1", "A6.3.1.3"),
    ),
    JobSpec(
        name="phishing.reminders",
        schedule="0 9 * * *",
        run=send_reminders,
        title_zh="防詐騙定期提醒",
        title_en="Periodic anti-phishing reminder",
        timeout_s=300,
        requirement_ids=("A8.1",),
    ),
)
