"""Phishing and counterfeit-app monitoring's scheduled jobs (A8.1, A6.3.1.3).

- ``phishing.feeds``: scan every feed file dropped in ``<data_dir>/phishing/feeds``
  (CT JSON lines, newly-registered-domain lists, URL feeds), each file once (its
  SHA-256 is in the recorded scan), opening a case per flagged name;
- ``phishing.cases``: a ``phishing_case`` notice for each new case, however it was
  opened (feed job, CLI scan, web, store-listing check), once per case;
- ``phishing.reminders``: the periodic customer reminder (banner and in-app feed)
  when it is due;
- ``phishing.ct_poll``: every followed Certificate Transparency log, once a minute;
- ``phishing.app_store_scan``: the daily App Store scan of every brand.
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


def poll_ct_logs(context: JobContext) -> JobOutcome:
    """Poll every followed CT log once (A8.1); a log that failed verification fails the run."""
    from brokerguard.phishing.ct.monitor import followed_logs, http_client, poll_all
    from brokerguard.phishing.registry import current_brands
    from brokerguard.phishing.scoring import scorer_for

    with context.unit_of_work() as session:
        brands = current_brands(session)
        logs = len(followed_logs(session))
    if not brands or not logs:
        return JobOutcome("no brands or no followed CT logs", skipped=True)
    with http_client() as http:
        results = poll_all(context.unit_of_work, context.clock, scorer_for(brands), http)
    failed = [r for r in results if r.error is not None]
    figures = {
        "logs": len(results),
        "entries": sum(r.entries for r in results),
        "flagged": sum(len(r.flags) for r in results),
        "entry_errors": sum(len(r.entry_errors) for r in results),
        "failed_logs": len(failed),
    }
    if failed:
        from brokerguard.errors import BrokerguardError

        detail = "; ".join(f"{r.log}: {r.error}" for r in failed)
        raise BrokerguardError(f"CT logs failed: {detail}"[:2000], code="ct_poll_failed")
    return JobOutcome(
        f"{figures['entries']} CT entries scanned, {figures['flagged']} names flagged", figures
    )


def scan_app_store(context: JobContext) -> JobOutcome:
    """The daily App Store scan of every brand (A6.3.1.3)."""
    import httpx

    from brokerguard.phishing.appstore import AppStoreClient, record_app_store_scan
    from brokerguard.phishing.registry import current_brands

    phishing = context.settings.phishing
    with (
        context.unit_of_work() as session,
        httpx.Client(timeout=phishing.fetch_timeout_s, follow_redirects=False) as http,
    ):
        brands = current_brands(session)
        if not brands:
            return JobOutcome("no brands", skipped=True)
        client = AppStoreClient(
            http, base_url=phishing.app_store_url, country=phishing.app_store_country
        )
        verdicts = record_app_store_scan(
            session, context.clock, client, brands, settings=context.settings, actor="worker"
        )
    flagged = sum(1 for v in verdicts if v.flagged)
    return JobOutcome(
        f"{len(verdicts)} App Store listings, {flagged} counterfeit",
        {"listings": len(verdicts), "counterfeit": flagged},
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
    JobSpec(
        name="phishing.ct_poll",
        schedule="* * * * *",
        run=poll_ct_logs,
        title_zh="憑證透明度日誌監控",
        title_en="Certificate Transparency log poll",
        timeout_s=55.0,
        retries=0,
        requirement_ids=("A8.1",),
    ),
    JobSpec(
        name="phishing.app_store_scan",
        schedule="30 3 * * *",
        run=scan_app_store,
        title_zh="App Store 假冒 App 掃描",
        title_en="App Store counterfeit-app scan",
        timeout_s=600.0,
        requirement_ids=("A6.3.1.3",),
    ),
)
