"""CT monitor speed (issue 16, part of `make bench B=phishing`): entries per second.

A loopback RFC 6962 log (``tests/phishing/ctlog.py``: real HTTP on 127.0.0.1 served
by a separate process, real ECDSA tree-head signatures, the project's Merkle code)
holds realistic certificates: 1 to 100 names (80 % one or two, 18 % three to ten,
2 % up to 100), a third wildcards, 40 % precerts, some IDN names and one lookalike per thousand.
``ct_entries_per_s`` is one full ``poll_log`` over all of them (tree-head signature,
leaf hashes against the signed root, parse, score, cases in SQLite); its
``baseline`` is bare ``cryptography`` parse-and-SAN of the same entries in the
same run (target: at least half of it). The machine is shared, so the poll (from
the same starting database) and the baseline are alternated ``ROUNDS`` times and
the best of each is reported.

``ct_latency_s`` is the worst case from an entry's append to its case with a 60 s
poll: the entry lands just after a poll, waits the full interval, and the next poll
(over a minute of growth at ``LOG_RATE`` entries/s) opens its case.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cryptography import x509

from benchmarks.metric import Metric
from brokerguard.clock import SystemClock
from brokerguard.db import migrate
from brokerguard.db.engine import make_engine, session_factory, session_scope
from brokerguard.notify.outbox import notice_sink
from brokerguard.phishing.brands import load_brands
from brokerguard.phishing.ct.client import RFC6962Client
from brokerguard.phishing.ct.monitor import add_log, http_client, poll_log
from brokerguard.phishing.ct.source import RawEntry
from brokerguard.phishing.ct.tls import PRECERT_ENTRY, parse_leaf, precert_from_extra_data
from brokerguard.phishing.models import CTLog
from brokerguard.phishing.scoring import Scorer

NAME = "phishing"
BRANDS = Path(__file__).resolve().parents[1] / "src/brokerguard/phishing/data/taiwan-brokers.yaml"
ENTRIES = 5000
#: polls of the same entries, alternated with the baseline; the best of each is kept
ROUNDS = 3
POLL_INTERVAL_S = 60.0
#: a busy log's growth, entries per second, for the latency figure
LOG_RATE = 50
_TLDS = ("com", "net", "com.tw", "io", "shop")
_IDN = ("xn--yunta-5ve.com", "xn--80ak6aa92e.com", "xn--z4q35q.com")


def _names(rng: random.Random, serial: int) -> list[str]:
    roll = rng.random()
    if roll < 0.8:
        count = rng.randint(1, 2)
    elif roll < 0.98:
        count = rng.randint(3, 10)
    else:
        count = rng.randint(11, 100)
    base = f"site{serial}-{rng.randrange(10**6)}.{rng.choice(_TLDS)}"
    names = [base] + [f"h{i}.{base}" for i in range(count - 1)]
    if rng.random() < 0.33:
        names[0] = "*." + names[0]
    if rng.random() < 0.05:
        names.append(rng.choice(_IDN))
    if rng.random() < 0.001:  # lookalikes are rare in real logs
        names.append(f"yuanta-login{serial}.top")
    return names


def _serve(pipe: Connection, total: int, visible: Any) -> None:
    """The log process: builds ``total`` entries, publishes ``visible.value`` of them."""
    from tests.phishing.ctlog import FakeLog, LoopbackLog, make_entry

    rng = random.Random(16)
    state = FakeLog(visible=visible)
    for serial in range(total):
        state.entries.append(
            make_entry(_names(rng, serial), precert=rng.random() < 0.4, serial=serial + 1)
        )
    for leaf, extra in state.entries:  # stored encoded, as a log serves them
        state._encoded(leaf, extra)
    with LoopbackLog(state) as log:
        pipe.send((log.url, state.public_pem()))
        pipe.recv()  # until the benchmark is done


def _baseline(entries: list[RawEntry]) -> float:
    """Bare cryptography: parse each certificate and read its SAN DNS names."""
    began = time.perf_counter()
    for entry in entries:
        leaf = parse_leaf(entry.leaf_input)
        der = (
            precert_from_extra_data(entry.extra_data)
            if leaf.entry_type == PRECERT_ENTRY
            else leaf.body
        )
        san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
        san.value.get_values_for_type(x509.DNSName)
    return len(entries) / (time.perf_counter() - began)


def _poll(url: str, log_url: str, scorer: Scorer) -> tuple[float, int]:
    clock = SystemClock()
    engine = make_engine(url)
    with http_client() as http:
        began = time.perf_counter()
        with session_scope(session_factory(engine)) as session:
            record = session.query(CTLog).filter_by(name="bench").one()
            client = RFC6962Client(log_url, http)
            result = poll_log(
                session, clock, record, client, scorer, notice_sink(session, clock),
                max_entries=10**6,
            )  # fmt: skip
        elapsed = time.perf_counter() - began
    engine.dispose()
    if result.error is not None:
        raise RuntimeError(result.error)
    return elapsed, result.entries


@dataclass
class Bench:
    """A loopback log (its own process) and a database following it from entry 1."""

    log_url: str
    visible: Any  # the shared count of published entries
    database: Path
    start: Path  # a copy of the database before any poll

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    def reset(self) -> None:
        """Back to the database before the first poll."""
        shutil.copyfile(self.start, self.database)

    def fetched(self, count: int) -> list[RawEntry]:
        """Entries 1..count as the monitor fetches them (for the baseline)."""
        with http_client() as http:
            client = RFC6962Client(self.log_url, http)
            return [e for page in client.entries(1, count, client.get_sth()) for e in page]


@contextmanager
def loopback_bench(total: int) -> Iterator[Bench]:
    """A log of ``total`` realistic entries (one published) and a database following it."""
    context = multiprocessing.get_context("fork")
    visible = context.Value("q", 1)
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(theirs, total, visible), daemon=True)
    server.start()
    try:
        log_url, pem = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "bench.db"
            engine = make_engine(f"sqlite:///{database}")
            migrate.upgrade(engine)
            with session_scope(session_factory(engine)) as session, http_client() as http:
                client = RFC6962Client(log_url, http)
                add_log(session, SystemClock(), name="bench", url=log_url, public_key_pem=pem,
                        client=client)  # fmt: skip
            engine.dispose()
            shutil.copyfile(database, Path(tmp) / "start.db")
            yield Bench(log_url, visible, database, Path(tmp) / "start.db")
    finally:
        ours.send("done")
        server.join(timeout=10)


def run() -> Iterable[Metric]:
    scorer = Scorer(load_brands(BRANDS))
    minute = int(LOG_RATE * POLL_INTERVAL_S)
    with loopback_bench(ENTRIES + minute) as bench:
        bench.visible.value = ENTRIES
        fetched = bench.fetched(ENTRIES)
        rates, baselines = [], []
        for _ in range(ROUNDS):  # alternated, best of each: the machine's load varies
            bench.reset()
            elapsed, entries = _poll(bench.url, bench.log_url, scorer)
            rates.append(entries / elapsed)
            baselines.append(_baseline(fetched))
        yield Metric(NAME, "ct_entries_per_s", max(rates), "entries/s",
                     ">= 0.5 x baseline", baseline=max(baselines))  # fmt: skip
        bench.visible.value = ENTRIES + minute
        poll_s, _ = _poll(bench.url, bench.log_url, scorer)
        yield Metric(NAME, "ct_latency_s", POLL_INTERVAL_S + poll_s, "s",
                     f"<= 70 (60 s poll; next poll over {minute} new entries)")  # fmt: skip
