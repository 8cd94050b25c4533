"""Face landmarks per frame: MediaPipe Face Mesh (478 points, models shipped in the wheel).

Speed: the mesh tracks **one** face. With ``max_num_faces=2`` and one person in view,
MediaPipe runs its face detector on every frame (it keeps looking for the missing second
face), which cost two thirds of the landmark rate. "Several faces" is measured instead by
:meth:`FaceLandmarker.count_faces` (MediaPipe's short-range face detector), which the
pipeline calls a few times a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

import mediapipe as mp
import numpy as np
import numpy.typing as npt

MODEL_NAME = "mediapipe-face-mesh"
#: faces a detection must be at least this sure of to count
MIN_COUNT_CONFIDENCE = 0.5


def model_version() -> str:
    return f"{MODEL_NAME} {mp.__version__} (refine_landmarks, one tracked face)"


def counter_version() -> str:
    return f"mediapipe-face-detection {mp.__version__} (short range)"


@dataclass(frozen=True)
class FaceObservation:
    #: faces seen by the mesh (0 or 1; several faces are counted by ``count_faces``)
    faces: int
    #: the face's landmarks, (478, 3) float32 in pixels; z is depth on the x scale,
    #: negative towards the camera. ``None`` when no face was found.
    points: npt.NDArray[np.float32] | None


class FaceLandmarker:
    """A Face Mesh in tracking mode (consecutive frames of one video); close after use."""

    def __init__(self, *, video: bool = True) -> None:
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=not video,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=0, min_detection_confidence=MIN_COUNT_CONFIDENCE
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
        self._detector.close()

    def observe(self, image: npt.NDArray[np.uint8]) -> FaceObservation:
        """The landmarks of the tracked face (``image``: RGB uint8, C-contiguous)."""
        height, width = image.shape[:2]
        result = self._mesh.process(image)
        faces = result.multi_face_landmarks
        if not faces:
            return FaceObservation(0, None)
        points = np.array(
            [(p.x, p.y, p.z) for p in faces[0].landmark], dtype=np.float32
        ) * np.array([width, height, width], dtype=np.float32)
        return FaceObservation(1, points)

    def count_faces(self, image: npt.NDArray[np.uint8]) -> int:
        """How many faces the face detector finds in ``image``."""
        found = self._detector.process(image).detections
        return len(found) if found else 0
