"""The one record every benchmark prints."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    benchmark: str
    metric: str
    value: float
    unit: str
    target: str
    baseline: float | None = None

    def to_json(self) -> str:
        data: dict[str, object] = {
            "benchmark": self.benchmark,
            "metric": self.metric,
            "value": round(self.value, 3),
            "unit": self.unit,
            "target": self.target,
        }
        if self.baseline is not None:
            data["baseline"] = round(self.baseline, 3)
        return json.dumps(data, ensure_ascii=False)
