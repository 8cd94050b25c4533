"""Official accounts' weekly job (A5.3.2, A5.4.2): fetch each page and check the required
disclosures; an account missing one queues a ``check_failed`` notice."""

from __future__ import annotations

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.notify.outbox import notice_sink
from brokerguard.social import service
from brokerguard.social.fetch import FetchPolicy


def check_disclosures(ctx: JobContext) -> JobOutcome:
    """Each run records one check per active account (the weekly proof); an account that
    fails is notified once per set of missing items."""
    config = ctx.settings.social
    policy = FetchPolicy(timeout_s=config.fetch_timeout_s, max_bytes=config.fetch_max_bytes)
    with ctx.unit_of_work() as session:
        rows = service.check_all_disclosures(session, ctx.clock, policy=policy)
        summaries = [service.check_summary(session, r) for r in rows]
        sink = notice_sink(session, ctx.clock)
        failing = [s for s in summaries if s["outcome"] != "pass"]
        for item in failing:
            missing = ", ".join(item["missing"]) or item["detail"]
            sink.notify(
                Notice(
                    kind=NoticeKind.check_failed,
                    severity=Severity.medium,
                    title_zh=f"官方帳號揭露事項不全:{item['account']}",
                    title_en=f"Official account lacks required disclosures: {item['account']}",
                    summary=f"{item['account']} ({item['url']}): {item['outcome']}; {missing}",
                    occurred_at=ctx.clock.now(),
                    dedupe_key=f"social_disclosure:{item['account']}:{item['outcome']}:"
                    f"{','.join(sorted(item['missing']))}"[:255],
                    url="/social",
                    requirement_ids=("A5.3.2", "A5.4.2"),
                    details={"account": item["account"], "outcome": item["outcome"]},
                )
            )
    if not summaries:
        return JobOutcome("no active official account", skipped=True)
    return JobOutcome(
        f"{len(summaries)} account(s) checked, {len(failing)} lacking disclosures",
        {"accounts": len(summaries), "failing": len(failing)},
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="social.disclosures",
        schedule="0 9 * * 1",
        run=check_disclosures,
        title_zh="官方帳號揭露事項檢查",
        title_en="Official account disclosure check",
        timeout_s=600,
        requirement_ids=("A5.3.2", "A5.4.2"),
    ),
)
