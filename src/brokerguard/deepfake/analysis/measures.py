"""Geometry and spectrum measures of one face, from its landmarks (pure NumPy).

- head pose: the normal of the plane that best fits the 3-D landmarks; yaw > 0 means the
  person turned to *their* left (towards the right of an unmirrored camera image);
- eye aspect ratio (Soukupová and Čech, 2016) from the six eyelid points of each eye;
- planar parallax: how far the landmark motion between two frames is from what a flat
  plane seen by a camera can do (a homography). A photo or a screen held up to the
  camera moves as a plane, so its parallax stays at landmark noise however it is tilted;
  a real head turning shows the nose moving against the cheeks;
- moiré: a screen filmed by a camera adds sharp isolated peaks to the spectrum of the
  face area that a natural face does not have.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: Face Mesh indices: outer eye corners (the person's right eye first)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
#: p1..p6 of the eye aspect ratio, per eye
EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
#: points kept per frame for the planar fit: nose ridge and tip, eyes, brows, mouth,
#: cheeks and the face oval (rigid or nearly so, and spread in depth)
TRACK = (
    1, 4, 5, 6, 168, 197, 195, 33, 133, 362, 263, 70, 105, 107, 336, 334, 300, 61, 291,
    50, 280, 205, 425, 10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397,
    365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127,
    162, 21, 54, 103, 67, 109,
)  # fmt: skip


def eye_distance(points: F32) -> float:
    return float(np.linalg.norm(points[RIGHT_EYE_OUTER, :2] - points[LEFT_EYE_OUTER, :2]))


def head_pose(points: F32) -> tuple[float, float]:
    """(yaw, pitch) in degrees from the best-fit plane of the 3-D landmarks."""
    centred = points.astype(np.float64) - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    normal = vt[2]
    if normal[2] > 0:  # point it towards the camera (Face Mesh z is negative there)
        normal = -normal
    yaw = math.degrees(math.atan2(normal[0], -normal[2]))
    pitch = math.degrees(math.atan2(normal[1], -normal[2]))
    return yaw, pitch


def eye_aspect_ratio(points: F32) -> float:
    """Mean eye aspect ratio of both eyes (about 0.25-0.35 open, under 0.15 closed)."""
    ratios = []
    for p1, p2, p3, p4, p5, p6 in EYES:
        xy = points[:, :2]
        width = float(np.linalg.norm(xy[p1] - xy[p4]))
        if width <= 0:
            return 0.0
        height = float(np.linalg.norm(xy[p2] - xy[p6]) + np.linalg.norm(xy[p3] - xy[p5]))
        ratios.append(height / (2.0 * width))
    return sum(ratios) / len(ratios)


def _normalise(xy: F64) -> tuple[F64, F64]:
    centre = xy.mean(axis=0)
    spread = float(np.sqrt(((xy - centre) ** 2).sum(axis=1).mean()))
    scale = math.sqrt(2.0) / spread if spread > 0 else 1.0
    transform = np.array(
        [[scale, 0.0, -scale * centre[0]], [0.0, scale, -scale * centre[1]], [0.0, 0.0, 1.0]]
    )
    homogeneous = np.column_stack([xy, np.ones(len(xy))])
    normalised = np.asarray((transform @ homogeneous.T).T, dtype=np.float64)
    return normalised, transform


def fit_homography(source: F64, target: F64) -> F64:
    """Least-squares homography (normalised DLT) taking ``source`` points to ``target``."""
    src, t_src = _normalise(source)
    dst, t_dst = _normalise(target)
    rows = []
    for (x, y, _), (u, v, _) in zip(src, dst, strict=True):
        rows.append([-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u])
        rows.append([0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.asarray(rows))
    h = vt[-1].reshape(3, 3)
    matrix: F64 = np.linalg.inv(t_dst) @ h @ t_src
    return matrix / matrix[2, 2] if abs(matrix[2, 2]) > 1e-12 else matrix


def planar_parallax(source: F32, target: F32) -> float:
    """RMS distance between ``target`` and the best plane-explained motion of ``source``,
    as a share of the eye distance in ``source`` (both (N, 2+) landmark arrays)."""
    src = source[:, :2].astype(np.float64)
    dst = target[:, :2].astype(np.float64)
    scale = float(
        np.linalg.norm(src[TRACK.index(RIGHT_EYE_OUTER)] - src[TRACK.index(LEFT_EYE_OUTER)])
    )
    if scale <= 0:
        return 0.0
    matrix = fit_homography(src, dst)
    projected = (matrix @ np.column_stack([src, np.ones(len(src))]).T).T
    projected = projected[:, :2] / projected[:, 2:3]
    return float(np.sqrt(((projected - dst) ** 2).sum(axis=1).mean())) / scale


def face_box(
    points: F32, width: int, height: int, margin: float = 0.15
) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the landmarks with a margin, inside the frame."""
    x0, y0 = points[:, 0].min(), points[:, 1].min()
    x1, y1 = points[:, 0].max(), points[:, 1].max()
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return (
        max(0, int(x0 - mx)),
        max(0, int(y0 - my)),
        min(width, int(x1 + mx) + 1),
        min(height, int(y1 + my) + 1),
    )


MOIRE_SIZE = 128
_LOW_RADIUS, _HIGH_RADIUS = 10, 60


def moire_peak_ratio(face: npt.NDArray[np.uint8]) -> float:
    """The strongest isolated peak of the face area's spectrum against its neighbourhood.

    Natural images have smooth spectra (ratio of a few units); the grid of a screen filmed
    by a camera adds sharp peaks (ratios of tens to hundreds).
    """
    if face.shape[0] < 16 or face.shape[1] < 16:
        return 0.0
    gray = (
        Image.fromarray(face)
        .convert("L")
        .resize((MOIRE_SIZE, MOIRE_SIZE), Image.Resampling.BILINEAR)
    )
    data = np.asarray(gray, dtype=np.float64)
    data -= data.mean()
    window = np.outer(np.hanning(MOIRE_SIZE), np.hanning(MOIRE_SIZE))
    power = np.abs(np.fft.fftshift(np.fft.fft2(data * window))) ** 2
    # mean of the 9x9 neighbourhood without the point itself
    neighbours = (ndimage.uniform_filter(power, size=9) * 81 - power) / 80
    ratio = power / (neighbours + 1e-9)
    ys, xs = np.indices(power.shape)
    radius = np.hypot(ys - MOIRE_SIZE // 2, xs - MOIRE_SIZE // 2)
    band = (radius >= _LOW_RADIUS) & (radius <= _HIGH_RADIUS)
    # a peak must also stand out from the band as a whole, not only from its neighbours
    strong = power >= np.percentile(power[band], 99.5)
    candidates = ratio[band & strong]
    return float(candidates.max()) if candidates.size else 0.0
