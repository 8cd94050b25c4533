"""The app release gate's scheduled job (A6.3.1.4): release candidates waiting for the
two approvals are announced to the approvers."""

from __future__ import annotations

from sqlalchemy import select

from brokerguard.kernel.jobs import JobContext, JobOutcome, JobSpec
from brokerguard.kernel.notices import Notice, NoticeKind, Severity
from brokerguard.mobile.approvals import approvals_of, dual_approval_complete
from brokerguard.mobile.models import MobileApp, MobileRelease
from brokerguard.notify.outbox import notice_sink


def releases_pending_approval(ctx: JobContext) -> JobOutcome:
    """One notice per release candidate still lacking an approval (once per release)."""
    with ctx.unit_of_work() as session:
        rows = session.execute(
            select(MobileRelease, MobileApp)
            .join(MobileApp, MobileApp.id == MobileRelease.app_id)
            .where(MobileRelease.status == "candidate")
            .order_by(MobileRelease.created_at)
        ).all()
        sink = notice_sink(session, ctx.clock)
        waiting = 0
        for release, app in rows:
            if dual_approval_complete(session, release):
                continue
            given = sorted(u.value for u in approvals_of(session, release))
            waiting += 1
            sink.notify(
                Notice(
                    kind=NoticeKind.release_pending_approval,
                    severity=Severity.medium,
                    title_zh=f"App 版本待核准:{app.name_zh} {release.version_name}",
                    title_en=f"App release awaiting approval: {app.name_en} {release.version_name}",
                    summary=(
                        f"{app.slug} {release.version_name} ({release.version_code}) is a "
                        f"release candidate; approvals so far: {', '.join(given) or 'none'}"
                    ),
                    occurred_at=release.created_at,
                    dedupe_key=f"release_pending_approval:{release.id}",
                    url=f"/mobile/apps/{app.slug}",
                    requirement_ids=("A6.3.1.4",),
                    details={"app": app.slug, "version": release.version_name},
                )
            )
    if not waiting:
        return JobOutcome("no release awaits approval", skipped=True)
    return JobOutcome(f"{waiting} release(s) await approval", {"waiting": waiting})


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        name="mobile.pending_approvals",
        schedule="*/15 * * * *",
        run=releases_pending_approval,
        title_zh="App 上架待核准提醒",
        title_en="App releases awaiting approval",
        timeout_s=120,
        requirement_ids=("A6.3.1.4",),
    ),
)
