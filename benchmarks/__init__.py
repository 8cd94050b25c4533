"""Speed and memory benchmarks. ``python -m benchmarks [NAME]`` (``make bench [B=NAME]``).

Each ``benchmarks/bench_<name>.py`` defines ``run() -> Iterable[Metric]``; every
metric is printed as one JSON line
``{"benchmark", "metric", "value", "unit", "target"[, "baseline"]}``.
"""
