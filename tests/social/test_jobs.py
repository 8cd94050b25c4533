"""The weekly disclosure job (A5.3.2, A5.4.2): each run records a check per account; an
account that fails is notified once for the same failure."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.social.jobs import JOBS
from brokerguard.social.models import DisclosureCheck
from tests.social.test_service import account, profile
from tests.worker.helpers import notices, run_job


def test_a_failing_account_is_checked_each_run_and_told_once(
    engine: Engine, session: Session, settings: Settings, clock: FixedClock
) -> None:
    [job] = JOBS
    assert run_job(job, settings, clock).skipped  # no account yet
    profile(session, clock)
    # a private address is refused by the fetch policy: the check cannot pass
    account(session, clock, name="內部測試帳號", url="http://127.0.0.1:9/page")
    session.commit()
    assert run_job(job, settings, clock).figures == {"accounts": 1, "failing": 1}
    run_job(job, settings, clock)
    with Session(engine) as fresh:
        assert fresh.scalar(select(func.count()).select_from(DisclosureCheck)) == 2
    [notice] = notices(engine, "check_failed")
    assert notice.title_en == "Official account lacks required disclosures: 內部測試帳號"
    assert notice.requirement_ids == "A5.3.2,A5.4.2"
