"""Synthetic video-ID clips made from a still photo, for tests and the demo.

They prove that the pipeline measures what it claims (a flat photo shifted or tilted does
not pass a head turn; a face re-textured on the Face Mesh's own 3-D landmarks and rotated
does), not how accurate it is on real people: only the firm's own labelled recordings
can tell that (``brokerguard deepfake calibrate``).

Kinds of clip (``ClipKind``):
- ``still_replay``: the photo moved sideways and scaled in 2-D;
- ``screen_replay``: the same, with a screen's pixel grid over it;
- ``tilted_photo``: the photo as a flat card tilted in 3-D at each turn;
- ``warped_blink``: the photo still, its upper eyelids warped down at each blink;
- ``rotated_face``: the face re-textured on its 3-D landmarks and rotated at each turn,
  with the eyelid warp at each blink (the clip that should pass);
- ``no_face``: a moving texture without a face.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from matplotlib.tri import Triangulation
from PIL import Image
from scipy import ndimage
from scipy.spatial import Delaunay

from brokerguard.deepfake.analysis.landmarks import FaceLandmarker
from brokerguard.deepfake.analysis.measures import EYES
from brokerguard.deepfake.analysis.schedule import ScheduledChallenge

WIDTH, HEIGHT = 640, 480
GREY = (118, 118, 118)
TURN_DEG = 32.0
YAW_DIGITS = 6  # a turned face is drawn once per yaw rounded to this many decimals
CLIP_KINDS = (
    "still_replay",
    "screen_replay",
    "tilted_photo",
    "warped_blink",
    "rotated_face",
    "no_face",
)

Image8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Pose:
    yaw: float = 0.0  # degrees, > 0: the person's left
    closure: float = 0.0  # 0 open .. 1 closed
    shift: tuple[float, float] = (0.0, 0.0)  # pixels


def astronaut() -> Image8:
    from skimage import data

    return np.asarray(data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]


def grace_hopper() -> Image8:
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def on_canvas(photo: Image8) -> Image8:
    """The photo scaled to the frame height, centred on a 640x480 grey canvas."""
    image = Image.fromarray(photo)
    image.thumbnail((WIDTH, HEIGHT))
    canvas = Image.new("RGB", (WIDTH, HEIGHT), GREY)
    canvas.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    return np.asarray(canvas, dtype=np.uint8).copy()


def _ramp(t: float, start: float, peak_at: float, hold_to: float, end: float) -> float:
    if t <= start or t >= end:
        return 0.0
    if t < peak_at:
        return (t - start) / (peak_at - start)
    if t <= hold_to:
        return 1.0
    return (end - t) / (end - hold_to)


def script(schedule: Sequence[ScheduledChallenge]) -> Callable[[float], Pose]:
    """What the 'customer' does at time t: turns and double blinks inside their windows."""

    def pose(t: float) -> Pose:
        yaw, closure = 0.0, 0.0
        for c in schedule:
            if c.kind in ("turn_left", "turn_right"):
                sign = 1.0 if c.kind == "turn_left" else -1.0
                yaw += sign * TURN_DEG * _ramp(t, c.at + 0.3, c.at + 1.1, c.at + 1.6, c.at + 2.4)
            else:
                for start in (c.at + 0.5, c.at + 1.5):
                    closure = max(closure, _ramp(t, start, start + 0.12, start + 0.2, start + 0.35))
        sway = (6.0 * math.sin(t * 1.3), 3.0 * math.sin(t * 0.7))
        return Pose(yaw, closure, sway)

    return pose


def _shift(image: Image8, dx: float, dy: float) -> Image8:
    moved = Image.fromarray(image).transform(
        (WIDTH, HEIGHT),
        Image.Transform.AFFINE,
        (1, 0, -dx, 0, 1, -dy),
        Image.Resampling.BILINEAR,
        fillcolor=GREY,
    )
    return np.asarray(moved, dtype=np.uint8)


@dataclass(frozen=True)
class _Remap:
    """The turned face for one yaw: output pixel (``target_y[i]``, ``target_x[i]``) takes
    the photo's colour at (``source_y[i]``, ``source_x[i]``), bilinear."""

    target_y: npt.NDArray[np.intp]
    target_x: npt.NDArray[np.intp]
    source_y: F64
    source_x: F64

    def apply(self, texture: Image8) -> Image8:
        out = texture.copy()
        for channel in range(3):
            out[self.target_y, self.target_x, channel] = ndimage.map_coordinates(
                texture[:, :, channel], [self.source_y, self.source_x], order=1, mode="nearest"
            )
        return out


class FaceModel:
    """The photo's own Face Mesh landmarks, used to warp its eyelids and rotate its face."""

    def __init__(self, canvas: Image8) -> None:
        with FaceLandmarker(video=False) as landmarker:
            seen = landmarker.observe(canvas)
        if seen.points is None:
            raise ValueError("no face on the source photo")
        self.canvas = canvas
        self.points = seen.points.astype(np.float64)
        xy = self.points[:, :2]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        ring = [
            centre + half * 1.35 * np.array([math.cos(a), math.sin(a)])
            for a in np.linspace(0, 2 * math.pi, 24, endpoint=False)
        ]
        corners = [(0, 0), (WIDTH - 1, 0), (0, HEIGHT - 1), (WIDTH - 1, HEIGHT - 1)]
        self.anchors = np.array([*ring, *corners], dtype=np.float64)
        self.centre = self.points.mean(axis=0)
        self._remaps: dict[float, _Remap] = {}

    def blink(self, closure: float) -> Image8:
        """Slide the skin above each eye down over it by ``closure`` of the eye's height."""
        if closure <= 0:
            return self.canvas
        out = self.canvas.copy()
        for p1, p2, p3, p4, p5, p6 in EYES:
            eye = self.points[[p1, p2, p3, p4, p5, p6], :2]
            left, right = int(eye[:, 0].min()) - 3, int(eye[:, 0].max()) + 4
            top = eye[[1, 2], 1].mean()
            bottom = eye[[4, 5], 1].mean()
            opening = max(2.0, bottom - top)
            drop = closure * opening * 1.15
            y0, y1 = int(top - opening * 2.5), int(bottom + 2)
            ys = np.arange(y0, y1, dtype=np.float64)
            # rows in [top, top + drop] show the skin from above the eye, moved down
            src = np.where(ys < top + drop, ys - drop, ys)
            src = np.where(ys < top, ys - drop * (ys - y0) / max(1.0, top - y0), src)
            for x in range(max(0, left), min(WIDTH, right)):
                column = self.canvas[:, x, :].astype(np.float64)
                for channel in range(3):
                    out[y0:y1, x, channel] = np.interp(src, np.arange(HEIGHT), column[:, channel])
        return out

    def rotate(self, texture: Image8, yaw_deg: float) -> Image8:
        """The face rotated about the vertical axis by ``yaw_deg`` (re-textured mesh)."""
        if abs(yaw_deg) < 1e-3:
            return texture
        return self._remap(round(yaw_deg, YAW_DIGITS)).apply(texture)

    def _remap(self, yaw_deg: float) -> _Remap:
        """The turned face's pixel map for one yaw, made once: a clip's turns rise and fall
        through the same few angles, so most frames reuse a map made for an earlier one."""
        known = self._remaps.get(yaw_deg)
        if known is not None:
            return known
        theta = math.radians(yaw_deg)
        rel = self.points - self.centre
        moved = self.points.copy()
        moved[:, 0] = self.centre[0] + rel[:, 0] * math.cos(theta) - rel[:, 2] * math.sin(theta)
        src = np.vstack([self.points[:, :2], self.anchors])
        dst = np.vstack([moved[:, :2], self.anchors])
        mesh = Triangulation(dst[:, 0], dst[:, 1], triangles=Delaunay(dst).simplices)
        lo = np.floor(dst[:-4].min(axis=0)).astype(int)
        hi = np.ceil(dst[:-4].max(axis=0)).astype(int) + 1
        lo, hi = np.maximum(lo, 0), np.minimum(hi, (WIDTH, HEIGHT))
        ys, xs = np.mgrid[lo[1] : hi[1], lo[0] : hi[0]]
        grid = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
        # matplotlib's trapezoid-map finder and plane coefficients: the same triangles and
        # barycentric blend as scipy's find_simplex and transform, many times faster
        simplex = np.asarray(mesh.get_trifinder()(grid[:, 0], grid[:, 1]), dtype=np.intp)
        inside = simplex >= 0
        points, triangles = grid[inside], simplex[inside]
        # each triangle maps affinely onto the photo: source = a x + b y + c
        source = [mesh.calculate_plane_coefficients(src[:, axis])[triangles] for axis in (0, 1)]
        x, y = points[:, 0], points[:, 1]
        sx, sy = (p[:, 0] * x + p[:, 1] * y + p[:, 2] for p in source)
        remap = _Remap(y.astype(np.intp), x.astype(np.intp), sy, sx)
        self._remaps[yaw_deg] = remap
        return remap


def _tilt(image: Image8, yaw_deg: float) -> Image8:
    """The whole picture as a flat card rotated about its vertical axis (perspective)."""
    if abs(yaw_deg) < 1e-3:
        return image
    theta = math.radians(yaw_deg)
    focal = 700.0
    cx, cy = WIDTH / 2, HEIGHT / 2
    # output pixel -> card coordinates: a ray through the pixel meets the rotated plane
    coefficients = _card_homography(theta, focal, cx, cy)
    card = Image.fromarray(image).transform(
        (WIDTH, HEIGHT),
        Image.Transform.PERSPECTIVE,
        coefficients,
        Image.Resampling.BILINEAR,
        fillcolor=GREY,
    )
    return np.asarray(card, dtype=np.uint8)


def _card_homography(theta: float, focal: float, cx: float, cy: float) -> tuple[float, ...]:
    # a card point (u, v), centred, rotated by theta about the vertical axis and placed at
    # the focal distance, projects to (f u cos / (d - u sin), f v / (d - u sin)); PIL wants
    # the inverse map (output pixel -> card pixel)
    distance = focal
    forward = np.array(
        [
            [focal * math.cos(theta), 0.0, 0.0],
            [0.0, focal, 0.0],
            [-math.sin(theta), 0.0, distance],
        ]
    )
    shift_in = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    shift_out = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    matrix = shift_out @ forward @ shift_in
    inverse = np.linalg.inv(matrix)
    inverse /= inverse[2, 2]
    return tuple(float(v) for v in inverse.ravel()[:8])


@cache
def _grid() -> F64:
    """A screen's pixel grid as a brightness pattern (period 3.1 px), made once."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    pattern = 0.82 + 0.18 * (np.cos(xs * 2 * math.pi / 3.1) * np.cos(ys * 2 * math.pi / 3.1))
    return np.asarray(pattern[:, :, None], dtype=np.float64)


def _screen_grid(image: Image8) -> Image8:
    shaded = np.clip(image.astype(np.float64) * _grid(), 0, 255)
    return np.asarray(shaded, dtype=np.uint8)


def frames_of(
    kind: str, photo: Image8, schedule: Sequence[ScheduledChallenge], duration_s: float, fps: int
) -> Iterator[Image8]:
    if kind not in CLIP_KINDS:
        raise ValueError(f"unknown clip kind {kind!r}")
    canvas = on_canvas(photo)
    pose = script(schedule)
    model = FaceModel(canvas) if kind in ("warped_blink", "rotated_face") else None
    rng = np.random.default_rng(7)
    noise = ndimage.gaussian_filter(rng.random((HEIGHT, WIDTH, 3)) * 255, (6, 6, 0)).astype(
        np.uint8
    )
    for index in range(max(1, round(duration_s * fps))):
        now = pose(index / fps)
        if kind == "no_face":
            image = noise
        elif kind in ("still_replay", "screen_replay"):
            turn = now.yaw / TURN_DEG * 40.0  # the photo is slid sideways when asked to turn
            image = _shift(canvas, now.shift[0] + turn, now.shift[1])
            if kind == "screen_replay":
                image = _screen_grid(image)
        elif kind == "tilted_photo":
            image = _shift(_tilt(canvas, now.yaw), now.shift[0], now.shift[1])
        elif model is not None:
            textured = model.blink(now.closure)
            if kind == "rotated_face":
                textured = model.rotate(textured, now.yaw)
            image = _shift(textured, now.shift[0], now.shift[1])
        yield image


def write_clip(
    path: Path,
    frames: Iterator[Image8],
    *,
    fps: int = 15,
    codec: str = "libx264",
    audio: bool = False,
) -> Path:
    """Encode frames as H.264 MP4 (or another PyAV codec) with an optional silent track."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps, 1))
        if not isinstance(stream, av.VideoStream):
            raise ValueError(f"{codec} is not a video codec")
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "18", "preset": "veryfast"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_clip(
    path: Path,
    kind: str,
    schedule: Sequence[ScheduledChallenge],
    *,
    photo: Image8 | None = None,
    fps: int = 15,
    tail_s: float = 1.0,
) -> Path:
    """A synthetic recording of ``kind`` that lasts until the schedule ends plus ``tail_s``."""
    duration = max((c.end for c in schedule), default=0.0) + tail_s
    source = astronaut() if photo is None else photo
    return write_clip(path, frames_of(kind, source, schedule, duration, fps), fps=fps)


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An audio-only file (a silent AAC track in MP4): a recording with no picture."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=16000)
        samples = np.zeros((1, 1024), dtype=np.float32)
        for index in range(int(seconds * 16000 / 1024)):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 16000
            frame.pts = index * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
