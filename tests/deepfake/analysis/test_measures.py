"""The geometry measures on landmark sets with a known answer."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from brokerguard.deepfake.analysis.measures import (
    TRACK,
    eye_aspect_ratio,
    fit_homography,
    head_pose,
    moire_peak_ratio,
    planar_parallax,
)


def face_points(depth: float) -> npt.NDArray[np.float32]:
    """A bumpy 3-D 'face' (478 points) whose depth varies by ``depth`` pixels."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(-80, 80, size=(478, 2))
    z = -depth * np.exp(-(xy**2).sum(axis=1) / 3000.0)
    points = np.column_stack([xy[:, 0] + 320, xy[:, 1] + 240, z]).astype(np.float32)
    return points


def rotate_yaw(points: npt.NDArray[np.float32], degrees: float) -> npt.NDArray[np.float32]:
    theta = math.radians(degrees)
    centre = points.mean(axis=0)
    rel = points - centre
    out = points.copy()
    out[:, 0] = centre[0] + rel[:, 0] * math.cos(theta) - rel[:, 2] * math.sin(theta)
    out[:, 2] = centre[2] + rel[:, 0] * math.sin(theta) + rel[:, 2] * math.cos(theta)
    return out


def test_a_plane_under_any_homography_has_no_parallax() -> None:
    flat = face_points(0.0)[list(TRACK)]
    matrix = np.array([[0.9, 0.1, 12.0], [-0.05, 1.1, -7.0], [0.0004, -0.0002, 1.0]])
    moved = (matrix @ np.column_stack([flat[:, :2], np.ones(len(flat))]).T).T
    moved = (moved[:, :2] / moved[:, 2:3]).astype(np.float32)
    assert planar_parallax(flat, moved) < 1e-3
    recovered = fit_homography(flat[:, :2].astype(np.float64), moved.astype(np.float64))
    assert np.allclose(recovered, matrix, rtol=1e-4, atol=1e-4)


def test_a_turning_3d_shape_shows_parallax_and_yaw() -> None:
    face = face_points(60.0)
    turned = rotate_yaw(face, 25.0)
    assert planar_parallax(face[list(TRACK)], turned[list(TRACK)]) > 0.02
    yaw_before, _ = head_pose(face)
    yaw_after, _ = head_pose(turned)
    assert yaw_after - yaw_before == pytest.approx(25.0, abs=3.0)
    yaw_right, _ = head_pose(rotate_yaw(face, -25.0))
    assert yaw_right - yaw_before == pytest.approx(-25.0, abs=3.0)


def test_eye_aspect_ratio_drops_when_the_lids_close() -> None:
    points = np.zeros((478, 3), dtype=np.float32)
    for p1, p2, p3, p4, p5, p6 in ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380)):
        points[p1, :2], points[p4, :2] = (0, 0), (30, 0)
        points[p2, :2], points[p3, :2] = (10, -5), (20, -5)
        points[p6, :2], points[p5, :2] = (10, 5), (20, 5)
    open_ratio = eye_aspect_ratio(points)
    assert open_ratio == pytest.approx(10 / 30)
    for index in (160, 158, 385, 387):
        points[index, 1] = -0.5
    for index in (144, 153, 380, 373):
        points[index, 1] = 0.5
    assert eye_aspect_ratio(points) == pytest.approx(1 / 30)


def test_a_pixel_grid_raises_the_moire_peak() -> None:
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:128, 0:128]
    smooth = 128 + 60 * np.sin(xx / 23.0) * np.cos(yy / 31.0) + rng.normal(0, 4, (128, 128))
    face = np.repeat(np.clip(smooth, 0, 255)[:, :, None], 3, axis=2).astype(np.uint8)
    grid = 0.8 + 0.2 * np.cos(xx * 2 * np.pi / 5.3) * np.cos(yy * 2 * np.pi / 5.3)
    screen = np.clip(face * grid[:, :, None], 0, 255).astype(np.uint8)
    assert moire_peak_ratio(screen) > 3 * moire_peak_ratio(face)
    assert moire_peak_ratio(face[:8, :8]) == 0.0
