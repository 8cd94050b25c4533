"""Stream a recording's frames with PyAV: one frame in memory at a time, limits enforced.

Frames are scaled to the analysis width and sampled at most ``analysis_fps`` per second;
a recording longer than ``max_recording_seconds`` or with frames larger than
``max_frame_pixels`` is refused before (or, when the header does not tell, while) it is
decoded, never silently cut short.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np
import numpy.typing as npt

from brokerguard.deepfake.settings import DeepfakeSettings
from brokerguard.errors import PayloadTooLargeError, ValidationError


class UnreadableMediaError(ValidationError):
    """The file is not a readable video or image (corrupt, truncated, wrong kind)."""

    code = "unreadable_media"


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    codec: str
    duration_s: float | None


@dataclass(frozen=True)
class Frame:
    #: seconds from the start of the recording
    t: float
    #: RGB, uint8, scaled to the analysis width
    image: npt.NDArray[np.uint8]


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise UnreadableMediaError(
            f"{path.name} is not a readable video: {error}", field="recording"
        ) from None


def _scaled_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    if width <= target_width:
        return width - width % 2, height - height % 2
    scaled_height = round(height * target_width / width)
    return target_width, max(2, scaled_height - scaled_height % 2)


class VideoReader:
    """``with VideoReader(path, settings) as reader: for frame in reader.frames(): ...``"""

    def __init__(self, path: Path, settings: DeepfakeSettings) -> None:
        self.path = path
        self.settings = settings
        if not path.is_file():
            raise ValidationError(f"no such file: {path.name}", field="recording")
        size = path.stat().st_size
        if size == 0:
            raise UnreadableMediaError(f"{path.name} is empty", field="recording")
        if size > settings.max_recording_bytes:
            raise PayloadTooLargeError(
                f"{path.name} is larger than {settings.max_recording_bytes:,} bytes",
                field="recording",
            )
        self._container = _open(path)
        try:
            self.info = self._check_stream()
        except Exception:
            self._container.close()
            raise

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._container.close()

    def _check_stream(self) -> VideoInfo:
        streams = self._container.streams.video
        if not streams:
            raise UnreadableMediaError(
                f"{self.path.name} has no video stream (audio only or not a video)",
                field="recording",
            )
        stream = streams[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        if width <= 0 or height <= 0:
            raise UnreadableMediaError(
                f"{self.path.name}: the video stream has no frame size", field="recording"
            )
        if width * height > self.settings.max_frame_pixels:
            raise PayloadTooLargeError(
                f"frames of {width}x{height} are larger than the "
                f"{self.settings.max_frame_pixels:,}-pixel limit",
                field="recording",
            )
        duration: float | None = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / av.time_base
        if duration is not None and duration > self.settings.max_recording_seconds:
            raise PayloadTooLargeError(
                f"the recording lasts {duration:.0f} s, longer than the "
                f"{self.settings.max_recording_seconds:.0f}-second limit",
                field="recording",
            )
        return VideoInfo(width, height, stream.codec_context.name, duration)

    def frames(self) -> Iterator[Frame]:
        """Decoded, scaled, sampled frames; raises on a stream that breaks off mid-way."""
        stream = self._container.streams.video[0]
        out_w, out_h = _scaled_size(self.info.width, self.info.height, self.settings.analysis_width)
        step = 1.0 / self.settings.analysis_fps
        next_t = 0.0
        index = 0
        start: float | None = None
        try:
            for frame in self._container.decode(stream):
                if frame.width * frame.height > self.settings.max_frame_pixels:
                    raise PayloadTooLargeError(
                        f"a frame of {frame.width}x{frame.height} is over the pixel limit",
                        field="recording",
                    )
                raw = float(frame.time) if frame.time is not None else index * step
                start = raw if start is None else start
                t = raw - start
                index += 1
                if t > self.settings.max_recording_seconds:
                    raise PayloadTooLargeError(
                        "the recording is longer than the "
                        f"{self.settings.max_recording_seconds:.0f}-second limit",
                        field="recording",
                    )
                if t + 1e-6 < next_t:
                    continue
                next_t = t + step * 0.999
                image = frame.reformat(width=out_w, height=out_h, format="rgb24").to_ndarray()
                yield Frame(t, np.ascontiguousarray(image, dtype=np.uint8))
        except av.error.FFmpegError as error:
            raise UnreadableMediaError(
                f"{self.path.name} could not be decoded after {index} frames: {error}",
                field="recording",
            ) from None


#: frames decoded ahead of the analysis at most (about 1 MB each at 640x480)
READ_AHEAD = 8


def read_ahead(frames: Iterator[Frame], depth: int = READ_AHEAD) -> Generator[Frame, None, None]:
    """``frames`` decoded in a thread, at most ``depth`` ahead of the consumer.

    PyAV and MediaPipe release the GIL while they work, so decoding the next frames
    overlaps with measuring this one. Errors of the decoder are raised in the consumer.
    Close the returned generator (``contextlib.closing``) before closing the reader: that
    stops and joins the thread.
    """
    pipe: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Frame | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def decode() -> None:
        try:
            for frame in frames:
                if not put(frame):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(error)
            return
        put(None)

    thread = threading.Thread(target=decode, name="video-decode", daemon=True)
    thread.start()
    try:
        while (item := pipe.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
