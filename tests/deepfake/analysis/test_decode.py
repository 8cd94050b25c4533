"""The read-ahead decoder thread: order kept, errors raised in the consumer, stops on close."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import numpy as np
import pytest

from brokerguard.deepfake.analysis.decode import Frame, UnreadableMediaError, read_ahead


def _frames(count: int, fail_at: int | None = None) -> Iterator[Frame]:
    for index in range(count):
        if index == fail_at:
            raise UnreadableMediaError("broken after 3 frames", field="recording")
        yield Frame(index / 10, np.full((2, 2, 3), index, dtype=np.uint8))


def _decoders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "video-decode"]


def test_frames_arrive_in_order_through_a_small_queue() -> None:
    seen = [frame.t for frame in read_ahead(_frames(25), depth=2)]
    assert seen == [index / 10 for index in range(25)]
    assert not _decoders()


def test_a_decoder_error_is_raised_in_the_consumer_after_the_good_frames() -> None:
    seen = []
    with pytest.raises(UnreadableMediaError, match="broken after 3"):
        for frame in read_ahead(_frames(10, fail_at=3), depth=4):
            seen.append(frame.t)
    assert seen == [0.0, 0.1, 0.2]
    assert not _decoders()


def test_closing_early_stops_the_thread_while_it_waits_on_a_full_queue() -> None:
    with closing(read_ahead(_frames(1000), depth=1)) as stream:
        first = next(stream)
    assert first.t == 0.0
    assert not _decoders()


def test_an_empty_recording_yields_nothing() -> None:
    assert list(read_ahead(_frames(0))) == []
