from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from brokerguard.clock import FixedClock
from brokerguard.config import Settings
from brokerguard.db.engine import session_factory
from brokerguard.demodata import DemoContext
from brokerguard.kernel.audit import MemoryAuditSink
from brokerguard.policies import demo
from brokerguard.policies.service import list_policies
from brokerguard.rulebook import RequirementKind, loader
from brokerguard.staff.roles import Role
from brokerguard.staff.service import create_staff_user
from tests.conftest import STAFF_PASSWORD

EXTRA_ARTICLES = {
    "art05.yaml": """article: 5
title_zh: 社群媒體
title_en: Social media
requirements:
  - {id: A5.1, kind: policy, text_zh: 員工使用社群媒體之規範。, text_en: Employee use.}
  - {id: A5.2, kind: policy, text_zh: 風險分級。, text_en: Risk rating.}
""",
    "art06.yaml": """article: 6
title_zh: 行動裝置
title_en: Mobile
requirements:
  - {id: A6.1, kind: policy, text_zh: 公務行動裝置。, text_en: Company devices.}
  - {id: A6.2, kind: technical, text_zh: BYOD。, text_en: BYOD.}
""",
    "art07.yaml": """article: 7
title_zh: 物聯網設備
title_en: IoT
requirements:
  - {id: A7.1, kind: policy, text_zh: 物聯網設備規範。, text_en: IoT rules.}
""",
}


@pytest.fixture
def wider_rulebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The packaged rulebook plus small Articles 5-7, as the rulebook branch will bring."""
    folder = tmp_path / "rulebook"
    shutil.copytree(loader.DATA_DIR, folder)
    for name, text in EXTRA_ARTICLES.items():
        if not (folder / name).exists():
            (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", folder)
    loader.load_rulebook.cache_clear()
    yield
    loader.load_rulebook.cache_clear()


def test_demo_policies_follow_the_rulebook(
    wider_rulebook: None, sqlite_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(database_url="sqlite://", data_dir=tmp_path / "var")
    with session_factory(sqlite_engine)() as session:
        ctx = DemoContext(session, settings, clock, random.Random(1), MemoryAuditSink())
        ctx.staff["compliance"] = create_staff_user(
            session,
            clock,
            username="compliance",
            password=STAFF_PASSWORD,
            roles={Role.compliance},
        )
        demo.load_demo(ctx)
        policies = {p.title: p for p in list_policies(session)}
    today = date(2026, 11, 26)
    social = policies["社群媒體資訊安全管理辦法"]
    assert set(social.requirement_ids) >= {"A5.1", "A5.2"}
    assert social.is_in_force(today)
    devices = policies["公務行動裝置管理要點"]
    assert devices.status == "approved" and not devices.is_in_force(today)  # overdue review
    assert devices.next_review is not None and devices.next_review < today
    iot = policies["物聯網設備資訊安全管理辦法"]
    assert iot.status == "draft" and "A7.1" in iot.requirement_ids
    # a policy is registered only where its article part has policy-kind requirements
    rulebook = loader.load_rulebook()
    for plan in demo.POLICIES:
        covered = [r.id for r in rulebook.matching(plan.prefix) if r.kind is RequirementKind.policy]
        assert (plan.title in policies) == bool(covered), plan.title
        if covered:
            assert policies[plan.title].requirement_ids == sorted(covered)
    assert any("policies:" in note for note in ctx.notes)
