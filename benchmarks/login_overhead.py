"""The server's own CPU per login and per authenticated read, argon2 taken out.

``python -m benchmarks.login_overhead [LOGINS] [READS]`` serves the app under uvicorn
(one worker, ``brokerguard serve``'s HTTP protocol, uvicorn's default loop) on
PostgreSQL in a child process whose argon2id hasher uses t=1, m=8 KiB (the seeded
customers' hashes too): a verification then costs ~0.05 ms, and what the server
spends is its own overhead (HTTP, FastAPI, the login service, the database client,
the audit chain). One client logs in LOGINS times (password + TOTP) one after the
other, then reads ``GET /api/v1/etrade/session`` READS times. It prints the server's
CPU per login and per read (``/proc``, user + system) and the database round trips
per login (statements and ``BEGIN``/``COMMIT`` that psycopg sent in the server).

On a shared machine this is the steady before/after figure: run the two versions
alternately (``PYTHONPATH`` on an export of the other version's ``src``). The weak
hasher exists only in this tool's own processes; the app's settings are untouched.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_login
from brokerguard.auth import passwords

#: argon2id at its cheapest: the verification drops out of the server's CPU
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
WARM_UP = 50


def _cheap_hashing() -> None:
    passwords.HASHING.__init__(**CHEAP)  # type: ignore[misc]  # the shared instance, re-made


def _count_round_trips(counts: Counter[str]) -> None:
    """Count what psycopg sends: statements (``Cursor.execute``) and the commands it
    issues itself (``BEGIN``, ``COMMIT``, ``ROLLBACK``)."""
    import psycopg

    def counted(kind: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[kind] += 1
            return call(*args, **kwargs)

        return wrapper

    psycopg.Cursor.execute = counted("statements", psycopg.Cursor.execute)  # type: ignore[method-assign]
    psycopg.Connection._exec_command = counted(  # type: ignore[method-assign]
        "commands", psycopg.Connection._exec_command
    )


def serve(port: int) -> None:
    """The child: the app with the cheap hasher; a line on stdin makes it print the
    database round trips counted so far (the parent ends it with SIGTERM)."""
    import uvicorn

    from brokerguard.web.server import HTTP_PROTOCOL

    _cheap_hashing()
    counts: Counter[str] = Counter()
    _count_round_trips(counts)
    config = uvicorn.Config(
        "brokerguard.web.asgi:app",
        host="127.0.0.1",
        port=port,
        http=HTTP_PROTOCOL,
        access_log=False,
        log_level="warning",
    )

    def report_on_stdin() -> None:
        sys.stdin.readline()
        print(counts["statements"] + counts["commands"], flush=True)

    threading.Thread(target=report_on_stdin, daemon=True).start()
    uvicorn.Server(config).run()


def _cpu_seconds(pid: int) -> float:
    stat = bench_login._proc_stat(pid)
    if stat is None:
        raise RuntimeError("the server process is gone")
    return stat[2]


def measure(logins: int, reads: int) -> dict[str, float]:
    _cheap_hashing()
    data_dir = Path(tempfile.mkdtemp(prefix="bg-overhead-keys-"))
    try:
        with bench_login.database("postgresql") as url:
            customers = bench_login.seed_customers(url, data_dir, WARM_UP + logins + 1)
            port = bench_login.free_port()
            child = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.login_overhead", "--serve", str(port)],
                env=bench_login.server_env(url, data_dir),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdin is not None and child.stdout is not None
            try:
                bench_login.wait_until_up(port)
                return _drive(child, port, customers, logins, reads)
            finally:
                child.terminate()
                child.wait(timeout=30)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _drive(
    child: subprocess.Popen[str],
    port: int,
    customers: list[tuple[str, str]],
    logins: int,
    reads: int,
) -> dict[str, float]:
    assert child.stdin is not None and child.stdout is not None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for account, seed in customers[:WARM_UP]:
        if bench_login.login(conn, account, seed) is None:
            raise RuntimeError("a warm-up login was refused")
    before = _cpu_seconds(child.pid)
    for account, seed in customers[WARM_UP : WARM_UP + logins]:
        if bench_login.login(conn, account, seed) is None:
            raise RuntimeError("a login was refused")
    login_cpu = _cpu_seconds(child.pid) - before
    token = bench_login.login(conn, *customers[-1])
    if token is None:
        raise RuntimeError("the reader's login was refused")
    child.stdin.write("round trips?\n")
    child.stdin.flush()
    round_trips = int(child.stdout.readline())
    headers = {"Authorization": f"Bearer {token}"}
    before = _cpu_seconds(child.pid)
    for _ in range(reads):
        conn.request("GET", "/api/v1/etrade/session", headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET /session answered {response.status}")
    read_cpu = _cpu_seconds(child.pid) - before
    conn.close()
    return {
        "server_cpu_ms_per_login": login_cpu * 1000 / logins,
        "server_cpu_ms_per_get": read_cpu * 1000 / max(reads, 1),
        # every login so far, the warm-up's and the reader's included (start-up's few
        # statements are in it too, spread over them)
        "round_trips_per_login": round_trips / (WARM_UP + logins + 1),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]))
        return 0
    logins = int(argv[0]) if argv else 500
    reads = int(argv[1]) if len(argv) > 1 else 2500
    figures = measure(logins, reads)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    for name, value in figures.items():
        print(f"{name:26s} {value:8.3f}")
    print(f"{'load average':26s} {load}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
