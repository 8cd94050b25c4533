"""House registers: importing 10,000 people and 10,000 attendance rows, computing completion
and overdue lists for them, and checking 1,000 disclosure pages' text.

``make bench B=house``
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.metric import Metric
from brokerguard.clock import FixedClock
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory
from brokerguard.registerkit.spec import create_item, import_items
from brokerguard.social.disclosure import Expected, missing_items, page_text
from brokerguard.tabular import ImportMode
from brokerguard.training.service import ATTENDANCE, COURSES, PEOPLE, course_statuses, overdue

PEOPLE_COUNT = 10_000
UNITS = ["資訊部", "總務部", "客戶服務部", "經紀業務部", "數位金融部", "法令遵循部", "稽核室"]


def _people_csv(rng: random.Random) -> bytes:
    lines = ["員工編號,姓名,單位,職務"]
    for n in range(PEOPLE_COUNT):
        lines.append(f"E{n:06d},員工{n},{rng.choice(UNITS)},職員")
    return ("\n".join(lines) + "\n").encode("cp950")


def _attendance_csv(rng: random.Random, day: date) -> bytes:
    lines = ["員工編號,課程代碼,完成日期"]
    for n in range(PEOPLE_COUNT):
        done = day - timedelta(days=rng.randint(1, 500))
        roc = f"{done.year - 1911}/{done.month:02d}/{done.day:02d}"
        lines.append(f"E{n:06d},GEN-1,{roc}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def run() -> Iterable[Metric]:
    rng = random.Random(1)
    clock = FixedClock(datetime(2026, 11, 26, 2, tzinfo=UTC))
    day = date(2026, 11, 26)
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        migrate.upgrade(engine)
        with session_factory(engine)() as session:
            create_item(
                session,
                clock,
                COURSES,
                {
                    "code": "GEN-1",
                    "title": "年度資安教育訓練",
                    "topic": "general",
                    "frequency_months": 12,
                },
                "bench",
            )
            started = time.perf_counter()
            summary = import_items(
                session,
                clock,
                PEOPLE,
                _people_csv(rng),
                "people.csv",
                ImportMode.all_or_nothing,
                "b",
            )
            session.commit()
            people_s = time.perf_counter() - started
            if summary.created != PEOPLE_COUNT:
                raise RuntimeError(f"imported {summary.created} people")
            yield Metric("house", "import_10k_people_big5_csv", people_s, "s", "< 60 s")
            started = time.perf_counter()
            summary = import_items(
                session,
                clock,
                ATTENDANCE,
                _attendance_csv(rng, day),
                "attendance.csv",
                ImportMode.all_or_nothing,
                "b",
            )
            session.commit()
            attendance_s = time.perf_counter() - started
            if summary.created != PEOPLE_COUNT:
                raise RuntimeError(f"imported {summary.created} attendance rows")
            yield Metric("house", "import_10k_attendance_roc_dates", attendance_s, "s", "< 60 s")
            started = time.perf_counter()
            statuses = course_statuses(session, day)
            late = overdue(statuses, day)
            yield Metric(
                "house", "completion_and_overdue_10k", time.perf_counter() - started, "s", "< 5 s"
            )
            if len(statuses) != PEOPLE_COUNT or not late:
                raise RuntimeError("completion did not cover every person")
        engine.dispose()
    expected = Expected(
        "示範證券股份有限公司",
        "臺北市中正區博愛路 17 號 8 樓",
        "(02) 2311-0000",
        "(88)金管證總字第 0999 號",
        "0800-000-123",
        "客戶服務部",
    )
    page = (
        "<html><body>"
        + "<p>貼文內容 " * 2000
        + "</p><footer>示範證券股份有限公司 台北市中正區博愛路17號8樓 "
        "電話 +886-2-2311-0000 (88)金管證總字第0999號 申訴專線 0800-000-123 客戶服務部</footer>"
        "</body></html>"
    ).encode()
    pages = 200
    started = time.perf_counter()
    for _ in range(pages):
        missing = missing_items(page_text(page, "utf-8"), expected)
        if missing:
            raise RuntimeError(f"benchmark page lacks {missing}")
    per_page_ms = (time.perf_counter() - started) * 1000 / pages
    yield Metric(
        "house", "disclosure_text_check_per_page", per_page_ms, "ms", "< 100 ms (50 kB page)"
    )
