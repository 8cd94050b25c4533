"""Where a login's and an API read's server time goes: py-spy samples under load.

``python -m benchmarks.profile_login [SECONDS]`` starts ``brokerguard serve`` with one
worker on PostgreSQL (SQLite when it is not reachable), samples every thread of it
with py-spy (``--gil``: only samples holding the GIL, i.e. Python's own CPU; argon2
releases it, so the hash itself does not show, which is what we want to see past)
while 3 clients log in (password + TOTP), then again while 3 clients read
``GET /api/v1/etrade/session``, and prints the functions with the most samples:
``self`` (time in the function's own code) and ``total`` (with what it calls), as a
share of all samples. py-spy needs ptrace (root, or ``kernel.yama.ptrace_scope`` 0).
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
from pathlib import Path

from benchmarks.bench_login import (
    database,
    login,
    postgres_reachable,
    run_clients,
    run_gets,
    seed_customers,
    server,
)

TOP = 25


def _frame_name(frame: str) -> str:
    """``handle (starlette/routing.py:123)`` -> ``starlette/routing.py:handle``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{name}"


def summarise(raw: Path, top: int = TOP) -> str:
    """Top functions by own and inclusive samples from py-spy's ``raw`` (collapsed) output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";")[1:]]  # [0] is the thread
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count
    lines = [f"{samples} samples"]
    lines.append("self %  function")
    lines += [f"{100 * n / samples:6.1f}  {name}" for name, n in own.most_common(top)]
    lines.append("total %  function")
    lines += [f"{100 * n / samples:6.1f}  {name}" for name, n in total.most_common(top * 2)]
    return "\n".join(lines)


def _sample(pid: int, out: Path, seconds: float, load: threading.Thread) -> str:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    options = ["--rate", "250", "--gil", "--format", "raw", "--duration", str(int(seconds))]
    recorder = subprocess.Popen(
        [spy, "record", "--pid", str(pid), *options, "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
    )
    load.start()
    load.join()
    recorder.wait(timeout=seconds + 60)
    return summarise(out)


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else 20.0
    kind = "postgresql" if postgres_reachable() else "sqlite"
    data_dir = Path(tempfile.mkdtemp(prefix="bg-profile-keys-"))
    out = Path(tempfile.mkdtemp(prefix="bg-profile-"))
    try:
        with database(kind) as url:
            customers = seed_customers(url, data_dir, int(seconds * 80) + 100)
            with server(url, data_dir, 1) as (port, pid):
                run_clients(port, customers[1:30], 3, 2.0)  # warm-up
                logins = threading.Thread(
                    target=run_clients, args=(port, customers[30:], 3, seconds)
                )
                print(f"== login (password + TOTP), {kind}, 3 clients, 1 worker")
                print(_sample(pid, out / "login.txt", seconds, logins))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                token = login(conn, *customers[0])
                conn.close()
                if token is None:
                    raise RuntimeError("the login for the API profile was refused")
                gets = threading.Thread(target=run_gets, args=(port, token, 3, seconds))
                print("== GET /api/v1/etrade/session, 3 clients, 1 worker")
                print(_sample(pid, out / "get.txt", seconds, gets))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if not os.environ.get("BG_PROFILE_KEEP"):
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
