"""Face match against the ID photo: dlib's 128-D face embedding (face-recognition-models).

The model files are loaded by path from the ``face_recognition_models`` package (its
``face_recognition`` wrapper is not used: it imports ``pkg_resources``). A distance under
about 0.6 is the usual same-person cut-off; the firm sets its own from calibration.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import dlib
import face_recognition_models
import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from brokerguard.deepfake.analysis.decode import UnreadableMediaError
from brokerguard.deepfake.settings import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS
from brokerguard.errors import PayloadTooLargeError, ValidationError

#: the photo is scaled so its longer side is at most this before the face search
PHOTO_SIDE = 1024
#: detector confidence a face needs to count (dlib's HOG score; 0 is its default cut)
MIN_FACE_SCORE = 0.5

Embedding = npt.NDArray[np.float64]


class FaceCountError(ValidationError):
    """The ID photo must show exactly one face."""

    code = "face_count"


def model_versions() -> dict[str, str]:
    return {
        "face_embedding": "dlib_face_recognition_resnet_model_v1 "
        f"(dlib {dlib.__version__}, face-recognition-models "
        f"{metadata.version('face_recognition_models')})",
        "face_detector": f"dlib HOG frontal face detector {dlib.__version__}",
    }


class FaceEmbedder:
    """dlib's face detector, 5-point shape model and ResNet embedding, loaded once."""

    def __init__(self) -> None:
        self.detector: Any = dlib.get_frontal_face_detector()
        self.shapes: Any = dlib.shape_predictor(
            face_recognition_models.pose_predictor_five_point_model_location()
        )
        self.encoder: Any = dlib.face_recognition_model_v1(
            face_recognition_models.face_recognition_model_location()
        )

    def faces(self, image: npt.NDArray[np.uint8], upsample: int = 1) -> list[Any]:
        """Faces found with a confidence of at least ``MIN_FACE_SCORE``."""
        boxes, scores, _ = self.detector.run(image, upsample, 0.0)
        return [box for box, score in zip(boxes, scores, strict=True) if score >= MIN_FACE_SCORE]

    def embed(self, image: npt.NDArray[np.uint8], box: Any) -> Embedding:
        shape = self.shapes(image, box)
        return np.asarray(self.encoder.compute_face_descriptor(image, shape, 1), dtype=np.float64)

    def embed_crop(self, crop: npt.NDArray[np.uint8]) -> Embedding | None:
        """The embedding of the one face in a frame crop, or ``None`` if dlib finds none."""
        # the crop is around a face the mesh found, usually large enough for dlib's HOG
        # detector at its own scale; upsampling (four times the work) only if not
        found = self.faces(crop, 0) or self.faces(crop, 1)
        if not found:
            return None
        biggest = max(found, key=lambda r: r.width() * r.height())
        return self.embed(crop, biggest)


@lru_cache(maxsize=1)
def shared_embedder() -> FaceEmbedder:
    return FaceEmbedder()


def load_photo(path: Path) -> npt.NDArray[np.uint8]:
    """The ID photo as RGB, scaled down; typed errors for anything that is not an image."""
    if not path.is_file():
        raise ValidationError(f"no such file: {path.name}", field="id_photo")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableMediaError(f"{path.name} is empty", field="id_photo")
    if size > MAX_PHOTO_BYTES:
        raise PayloadTooLargeError(
            f"{path.name} is larger than {MAX_PHOTO_BYTES:,} bytes", field="id_photo"
        )
    try:
        with Image.open(path) as opened:
            if opened.width * opened.height > MAX_PHOTO_PIXELS:
                raise PayloadTooLargeError(
                    f"{path.name} has more than {MAX_PHOTO_PIXELS:,} pixels", field="id_photo"
                )
            image = opened.convert("RGB")
            image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnreadableMediaError(
            f"{path.name} is not a readable image: {error}", field="id_photo"
        ) from None
    return np.asarray(image, dtype=np.uint8)


def photo_embedding(embedder: FaceEmbedder, photo: npt.NDArray[np.uint8]) -> Embedding:
    """The embedding of the single face on the ID photo; none or several faces is an error."""
    found = embedder.faces(photo, 1)
    if not found:
        raise FaceCountError("no face was found on the ID photo", field="id_photo")
    if len(found) > 1:
        raise FaceCountError(
            f"the ID photo shows {len(found)} faces; it must show exactly one", field="id_photo"
        )
    return embedder.embed(photo, found[0])


def distance(a: Embedding, b: Embedding) -> float:
    return float(np.linalg.norm(a - b))
