"""Video-ID analysis speed and memory (``make bench B=video``).

1. ``landmark_frames_per_s``: the bare Face Mesh rate on decoded 640x480 frames held in
   memory (no decoding, no measures) - the ceiling and the ``baseline`` of:
2. ``analysis_frames_per_s``: the whole analysis of a 640x480, 30 frames/s recording
   with every frame analysed (decode, landmarks, pose, eye ratio, moiré, challenge
   judging, face match against the ID photo), models already loaded. Target >= 50.
3. ``peak_rss_mb_<n>min``: peak resident memory of a fresh process analysing an n-minute
   recording (1 and ``BENCH_VIDEO_MINUTES``, default 5): frames are streamed, so the
   longer recording must not need much more memory than the shorter one.
4. ``upload_check_s_<n>min``: what an upload costs in the request before the worker takes
   over (sniff, demux every packet, decode the first frame:
   :func:`brokerguard.deepfake.analysis.probe.probe_recording`), with ``baseline`` the
   SHA-256 of the same bytes, which every upload pays anyway.

Clips are synthetic (the astronaut photo moving in 2-D), made in a temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from benchmarks.metric import Metric
from brokerguard.deepfake.analysis import synthetic
from brokerguard.deepfake.analysis.decode import VideoReader
from brokerguard.deepfake.analysis.landmarks import FaceLandmarker
from brokerguard.deepfake.analysis.pipeline import analyse_recording
from brokerguard.deepfake.analysis.probe import probe_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings

NAME = "video"
SCHEDULE = [
    ScheduledChallenge("turn_left", 1.0, 2.5),
    ScheduledChallenge("blink_twice", 4.0, 2.5),
    ScheduledChallenge("turn_right", 7.0, 2.5),
]

_MEMORY_PROBE = """
import resource, sys
from pathlib import Path
from brokerguard.deepfake.analysis.pipeline import analyse_recording
from brokerguard.deepfake.analysis.probe import probe_recording
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge
from brokerguard.deepfake.settings import DeepfakeSettings
schedule = [ScheduledChallenge("turn_left", 1.0, 2.5)]
cfg = DeepfakeSettings(max_recording_seconds=3600)
report = analyse_recording(Path(sys.argv[1]), schedule, Path(sys.argv[2]), cfg)
print(report.frames, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _clip(folder: Path, seconds: float, fps: int) -> Path:
    schedule = [ScheduledChallenge("turn_left", 1.0, max(0.5, seconds - 2.0))]
    frames = synthetic.frames_of("still_replay", synthetic.astronaut(), schedule, seconds, fps)
    return synthetic.write_clip(folder / f"clip-{seconds:.0f}s-{fps}fps.mp4", frames, fps=fps)


def _landmark_rate(clip: Path, cfg: DeepfakeSettings, limit: int = 150) -> float:
    with VideoReader(clip, cfg) as reader:
        images = [frame.image for _, frame in zip(range(limit), reader.frames(), strict=False)]
    with FaceLandmarker() as landmarker:
        landmarker.observe(images[0])
        started = time.perf_counter()
        for image in images:
            landmarker.observe(image)
        return len(images) / (time.perf_counter() - started)


def _peak_rss_mb(clip: Path, photo: Path) -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(clip), str(photo)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1]) / 1024


def run() -> list[Metric]:
    minutes = float(os.environ.get("BENCH_VIDEO_MINUTES", "5"))
    cfg = DeepfakeSettings(analysis_fps=30.0)
    metrics = []
    with tempfile.TemporaryDirectory(prefix="bench-video-") as name:
        folder = Path(name)
        photo = folder / "id.png"
        Image.fromarray(synthetic.astronaut()).save(photo)
        clip = _clip(folder, 10.0, 30)
        baseline = _landmark_rate(clip, cfg)
        analyse_recording(clip, SCHEDULE, photo, cfg)  # load the models once
        started = time.perf_counter()
        report = analyse_recording(clip, SCHEDULE, photo, cfg)
        rate = report.frames / (time.perf_counter() - started)
        metrics += [
            Metric(NAME, "landmark_frames_per_s", baseline, "frames/s", "ceiling of the next"),
            Metric(NAME, "analysis_frames_per_s", rate, "frames/s", ">= 50", baseline=baseline),
        ]
        for length in sorted({1.0, minutes}):
            long_clip = _clip(folder, length * 60, 5)
            frames, peak = _peak_rss_mb(long_clip, photo)
            metrics.append(
                Metric(
                    NAME,
                    f"peak_rss_mb_{length:g}min",
                    peak,
                    "MiB",
                    f"bounded ({frames} frames of 640x480 streamed)",
                )
            )
            if length == minutes:
                metrics.append(_upload_check(long_clip, length))
            long_clip.unlink()
    return metrics


def _upload_check(clip: Path, minutes: float) -> Metric:
    content = clip.read_bytes()
    started = time.perf_counter()
    hashlib.sha256(content).hexdigest()
    hashed = time.perf_counter() - started
    cfg = DeepfakeSettings(max_recording_seconds=3600)
    started = time.perf_counter()
    probe = probe_recording(content, cfg, schedule_end_s=1.0)
    checked = time.perf_counter() - started
    return Metric(
        NAME,
        f"upload_check_s_{minutes:g}min",
        checked,
        "s",
        f"in the request ({probe.packets} packets, {len(content):,} bytes)",
        baseline=hashed,
    )
