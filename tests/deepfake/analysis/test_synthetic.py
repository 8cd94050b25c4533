"""The synthetic turned face: drawn once per yaw, and the same face as the plain scipy mesh
warp (Delaunay, find_simplex, barycentric transform) would draw."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import Delaunay

from brokerguard.deepfake.analysis import synthetic
from tests.deepfake.conftest import FPS, SCHEDULE


@pytest.fixture(scope="module")
def model() -> synthetic.FaceModel:
    return synthetic.FaceModel(synthetic.on_canvas(synthetic.astronaut()))


def scipy_rotate(
    model: synthetic.FaceModel, texture: synthetic.Image8, yaw: float
) -> synthetic.Image8:
    """The reference: scipy's own point location and barycentric transform, every time."""
    theta = math.radians(yaw)
    rel = model.points - model.centre
    turned_x = model.centre[0] + rel[:, 0] * math.cos(theta) - rel[:, 2] * math.sin(theta)
    src = np.vstack([model.points[:, :2], model.anchors])
    dst = np.vstack([np.column_stack([turned_x, model.points[:, 1]]), model.anchors])
    mesh = Delaunay(dst)
    lo = np.maximum(np.floor(dst[:-4].min(axis=0)).astype(int), 0)
    hi = np.minimum(
        np.ceil(dst[:-4].max(axis=0)).astype(int) + 1, (synthetic.WIDTH, synthetic.HEIGHT)
    )
    ys, xs = np.mgrid[lo[1] : hi[1], lo[0] : hi[0]]
    grid = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    simplex = mesh.find_simplex(grid)
    assert (simplex >= 0).all()  # the anchors' corners cover the frame
    transform = mesh.transform[simplex]
    partial = np.einsum("nij,nj->ni", transform[:, :2], grid - transform[:, 2])
    bary = np.column_stack([partial, 1 - partial.sum(axis=1)])
    source = np.einsum("ni,nij->nj", bary, src[mesh.simplices[simplex]])
    out = texture.copy()
    for channel in range(3):
        out[ys.ravel(), xs.ravel(), channel] = ndimage.map_coordinates(
            texture[:, :, channel], [source[:, 1], source[:, 0]], order=1, mode="nearest"
        )
    return out


@pytest.mark.parametrize("yaw", [32.0 * 3 / 8, -32.0, 11.3])
def test_the_turned_face_is_the_scipy_mesh_warp(model: synthetic.FaceModel, yaw: float) -> None:
    fresh = synthetic.FaceModel(model.canvas)
    turned = fresh.rotate(model.canvas, yaw)
    assert np.abs(turned.astype(int) - model.canvas.astype(int)).max() > 50  # it did turn
    expected = scipy_rotate(model, model.canvas, yaw)
    differ = np.abs(turned.astype(int) - expected.astype(int))
    assert differ.max() <= 1
    assert (differ > 0).mean() < 1e-4  # float rounding on a few pixels at most


def test_a_yaw_seen_before_reuses_its_map_on_any_texture(model: synthetic.FaceModel) -> None:
    yaw = 32.0 * 5 / 8
    first = model.rotate(model.canvas, yaw)
    blinked = model.blink(0.8)
    # the same angle reached by other arithmetic (a turn's fall, not its rise): same map
    again = model.rotate(blinked, yaw + 1e-12)
    assert np.array_equal(again, synthetic.FaceModel(model.canvas).rotate(blinked, yaw))
    assert not np.array_equal(first, again)  # the map is reused, the texture is not
    assert np.array_equal(model.rotate(model.canvas, yaw), first)
    assert model.rotate(blinked, 0.0) is blinked  # facing the camera: nothing to turn


def test_a_clips_turns_need_few_distinct_maps() -> None:
    pose = synthetic.script(SCHEDULE)
    frames = round((max(c.end for c in SCHEDULE) + 0.5) * FPS)
    yaws = [round(pose(i / FPS).yaw, synthetic.YAW_DIGITS) for i in range(frames)]
    turned = [y for y in yaws if abs(y) >= 1e-3]
    assert len(turned) >= 36  # two turns, each ~2 s
    assert len(set(turned)) <= 16  # each turn rises and falls through the same 8 angles
