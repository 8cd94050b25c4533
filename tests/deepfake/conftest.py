"""Synthetic clips, made once per test process from the photos the packages ship."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from brokerguard.deepfake.analysis import synthetic
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings

SCHEDULE = [
    ScheduledChallenge("turn_left", 1.0, 2.5),
    ScheduledChallenge("blink_twice", 4.0, 2.5),
    ScheduledChallenge("turn_right", 7.0, 2.5),
]
FPS = 10
CFG = DeepfakeSettings()


class ClipMaker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, Path] = {}

    def clip(self, kind: str) -> Path:
        if kind not in self._made:
            self._made[kind] = synthetic.make_clip(
                self.folder / f"{kind}.mp4", kind, SCHEDULE, fps=FPS, tail_s=0.5
            )
        return self._made[kind]

    def photo(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        if not path.exists():
            if name == "astronaut":
                image = synthetic.astronaut()
            elif name == "grace_hopper":
                image = synthetic.grace_hopper()
            else:  # two different people's heads side by side, 640x480
                left = Image.fromarray(synthetic.astronaut()).crop((130, 20, 310, 200))
                right = Image.fromarray(synthetic.grace_hopper()).crop((120, 60, 430, 370))
                both = Image.new("RGB", (640, 480), (200, 200, 200))
                both.paste(left.resize((300, 300)), (10, 90))
                both.paste(right.resize((300, 300)), (330, 90))
                both.save(path)
                return path
            Image.fromarray(image).save(path)
        return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    return ClipMaker(tmp_path_factory.mktemp("clips"))
