"""What an upload is checked for before anything is stored: cheap, in the request.

The recording's container is sniffed from its first bytes (MP4/MOV ``ftyp`` box, or the
EBML header of WebM/Matroska), never taken from the file name or the browser's content
type. PyAV then reads it from memory: one video stream, the frame size and length
limits, every packet of the video stream demuxed (no decoding) to find its real length
(a browser's WebM often has none in its header) and a cut-off end, and the first frame
decoded. A recording that ends before the session's last challenge window closes is
refused: the analysis could only fail it. The ID photo must be a PNG or JPEG that
decodes, within the photo limits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import av.error
from PIL import Image, UnidentifiedImageError

from brokerguard.deepfake.analysis.decode import UnreadableMediaError
from brokerguard.deepfake.settings import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, DeepfakeSettings
from brokerguard.errors import PayloadTooLargeError, UnsupportedMediaError, ValidationError

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
#: seconds a packet's end may differ from the header's duration before it counts as cut off
TRUNCATION_SLACK_S = 0.5


class RecordingTooShortError(ValidationError):
    """The recording ends before the last challenge window of the session's schedule."""

    code = "recording_too_short"


class NoFramesError(UnreadableMediaError):
    """The video stream holds no frame."""

    code = "no_frames"


@dataclass(frozen=True)
class RecordingProbe:
    container: str
    codec: str
    width: int
    height: int
    #: seconds, from the last packet of the video stream
    duration_s: float
    packets: int


def sniff_container(content: bytes) -> str:
    """``mp4`` or ``webm`` from the first bytes; anything else is refused (415)."""
    if len(content) >= 12 and content[4:8] == b"ftyp":
        return "mp4"
    if content.startswith(EBML_MAGIC):
        return "webm"
    raise UnsupportedMediaError(
        "the recording is not a video: its content is neither MP4 (H.264) nor WebM",
        field="recording",
    )


def _open(content: bytes) -> av.container.InputContainer:
    try:
        return av.open(io.BytesIO(content), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableMediaError(
            f"the recording cannot be read (corrupt or cut off): {error}", field="recording"
        ) from None


def _stream_checks(container: av.container.InputContainer, cfg: DeepfakeSettings) -> av.VideoStream:
    streams = container.streams.video
    if not streams:
        raise UnreadableMediaError(
            "the recording has no video stream (audio only or not a video)", field="recording"
        )
    stream = streams[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise UnreadableMediaError("the video stream has no frame size", field="recording")
    if width * height > cfg.max_frame_pixels:
        raise PayloadTooLargeError(
            f"frames of {width}x{height} are larger than the {cfg.max_frame_pixels:,}-pixel limit",
            field="recording",
        )
    return stream


def _header_duration(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


def _too_long(seconds: float, cfg: DeepfakeSettings) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the recording lasts {seconds:.0f} s, longer than the "
        f"{cfg.max_recording_seconds:.0f}-second limit",
        field="recording",
    )


def _demux_length(
    container: av.container.InputContainer, stream: av.VideoStream, cfg: DeepfakeSettings
) -> tuple[float, int]:
    """(seconds from the first to the end of the last packet, packets), without decoding."""
    first: float | None = None
    end = 0.0
    count = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None or packet.time_base is None:
                continue
            start = float(packet.pts * packet.time_base)
            length = float(packet.duration * packet.time_base) if packet.duration else 0.0
            first = start if first is None else min(first, start)
            end = max(end, start + length)
            count += 1
            if end - first > cfg.max_recording_seconds:
                raise _too_long(end - first, cfg)
    except av.error.FFmpegError as error:
        raise UnreadableMediaError(
            f"the recording breaks off after {count} frames (cut off or corrupt): {error}",
            field="recording",
        ) from None
    return (end - first if first is not None else 0.0), count


def _first_frame_decodes(content: bytes) -> None:
    with _open(content) as container:
        try:
            for _frame in container.decode(video=0):
                return
        except av.error.FFmpegError as error:
            raise UnreadableMediaError(
                f"the recording's first frame does not decode: {error}", field="recording"
            ) from None
    raise NoFramesError("no frame of the recording decodes", field="recording")


def probe_recording(
    content: bytes, cfg: DeepfakeSettings, *, schedule_end_s: float
) -> RecordingProbe:
    """Check an uploaded recording; typed errors name what is wrong (field ``recording``)."""
    if not content:
        raise ValidationError("the recording is empty", field="recording")
    if len(content) > cfg.max_recording_bytes:
        raise PayloadTooLargeError(
            f"the recording is larger than {cfg.max_recording_bytes:,} bytes", field="recording"
        )
    kind = sniff_container(content)
    with _open(content) as container:
        stream = _stream_checks(container, cfg)
        declared = _header_duration(container, stream)
        if declared is not None and declared > cfg.max_recording_seconds:
            raise _too_long(declared, cfg)
        codec = stream.codec_context.name
        width, height = stream.codec_context.width, stream.codec_context.height
        duration, packets = _demux_length(container, stream, cfg)
    if not packets and declared:
        raise UnreadableMediaError(
            f"the recording is cut off: no frame of the {declared:.1f} s its header declares",
            field="recording",
        )
    if not packets:
        raise NoFramesError("the recording's video stream holds no frames", field="recording")
    if declared is not None and duration + TRUNCATION_SLACK_S < declared:
        raise UnreadableMediaError(
            f"the recording is cut off: its frames end at {duration:.1f} s of the "
            f"{declared:.1f} s its header declares",
            field="recording",
        )
    _first_frame_decodes(content)
    if duration < schedule_end_s:
        raise RecordingTooShortError(
            f"the recording lasts {duration:.1f} s; the session's last challenge window "
            f"closes at {schedule_end_s:.1f} s",
            field="recording",
        )
    return RecordingProbe(kind, codec, width, height, duration, packets)


def check_photo(content: bytes) -> str:
    """The ID photo: ``png`` or ``jpeg`` by content, decodable, within the limits."""
    if not content:
        raise ValidationError("the ID photo is empty", field="id_photo")
    if len(content) > MAX_PHOTO_BYTES:
        raise PayloadTooLargeError(
            f"the ID photo is larger than {MAX_PHOTO_BYTES:,} bytes", field="id_photo"
        )
    if content.startswith(PNG_MAGIC):
        kind = "png"
    elif content.startswith(JPEG_MAGIC):
        kind = "jpeg"
    else:
        raise UnsupportedMediaError(
            "the ID photo must be a PNG or JPEG image (by its content)", field="id_photo"
        )
    try:
        with Image.open(io.BytesIO(content)) as opened:
            if opened.width * opened.height > MAX_PHOTO_PIXELS:
                raise PayloadTooLargeError(
                    f"the ID photo has more than {MAX_PHOTO_PIXELS:,} pixels", field="id_photo"
                )
            opened.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnreadableMediaError(
            f"the ID photo is not a readable image: {error}", field="id_photo"
        ) from None
    return kind
