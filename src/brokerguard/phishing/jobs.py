"""The phishing domain's periodic jobs (run by ``brokerguard worker``)."""

from __future__ import annotations

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec


def poll_ct_logs(context: JobContext) -> JobOutcome:
    """Poll every followed CT log once (A8.1); a log that failed verification fails the run."""
    from brokerguard.phishing.ct.monitor import followed_logs, http_client, poll_all
    from brokerguard.phishing.registry import current_brands
    from brokerguard.phishing.scoring import Scorer

    with context.unit_of_work() as session:
        brands = current_brands(session)
        logs = len(followed_logs(session))
    if not brands or not logs:
        return JobOutcome("no brands or no followed CT logs", skipped=True)
    with http_client() as http:
        results = poll_all(context.unit_of_work, context.clock, Scorer(brands), http)
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
