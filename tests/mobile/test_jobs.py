"""The pending-approval job (A6.3.1.4): a candidate without both approvals is announced once."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.mobile.analysis import ArtifactReport
from brokerguard.mobile.jobs import JOBS
from brokerguard.mobile.registry import register_release
from tests.mobile.apkbuild import ReleaseSigner
from tests.mobile.helpers import approve_both, make_app
from tests.worker.helpers import notices, run_job


def test_a_candidate_awaiting_approval_is_announced_once(
    engine: Engine,
    session: Session,
    clock: FixedClock,
    settings: Settings,
    good_report: ArtifactReport,
    release_signer: ReleaseSigner,
) -> None:
    [job] = JOBS
    assert run_job(job, settings, clock).skipped
    app = make_app(session, clock, certs=[release_signer.cert_sha256])
    release = register_release(session, clock, app, good_report, actor="app-team")
    session.commit()
    assert run_job(job, settings, clock).figures == {"waiting": 1}
    run_job(job, settings, clock)
    [notice] = notices(engine, "release_pending_approval")
    assert notice.url == "/mobile/apps/trade-android"
    assert "approvals so far: none" in notice.summary
    approve_both(session, clock, release)
    session.commit()
    assert run_job(job, settings, clock).skipped
