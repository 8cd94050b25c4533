"""Face landmarks per frame: MediaPipe Face Mesh (478 points, models shipped in the wheel)."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

import mediapipe as mp
import numpy as np
import numpy.typing as npt

MODEL_NAME = "mediapipe-face-mesh"


def model_version() -> str:
    return f"{MODEL_NAME} {mp.__version__} (refine_landmarks)"


@dataclass(frozen=True)
class FaceObservation:
    #: faces seen in the frame (at most 2 are looked for: 2 means "several")
    faces: int
    #: the first face's landmarks, (478, 3) float32 in pixels; z is depth on the x scale,
    #: negative towards the camera. ``None`` when no face was found.
    points: npt.NDArray[np.float32] | None


class FaceLandmarker:
    """A Face Mesh in tracking mode (consecutive frames of one video); close after use."""

    def __init__(self, *, video: bool = True) -> None:
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=not video,
            max_num_faces=2,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._mesh.close()

    def observe(self, image: npt.NDArray[np.uint8]) -> FaceObservation:
        height, width = image.shape[:2]
        result = self._mesh.process(image)
        faces = result.multi_face_landmarks or []
        if not faces:
            return FaceObservation(0, None)
        points = np.array(
            [(p.x * width, p.y * height, p.z * width) for p in faces[0].landmark],
            dtype=np.float32,
        )
        return FaceObservation(len(faces), points)
