"""Run one benchmark (``python -m benchmarks NAME``) or all of them."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).parent


def available() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules([str(HERE)])
        if info.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = available()
    wanted = argv[:1] or names
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for metric in module.run():
            print(metric.to_json(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
