from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from brokerguard.errors import PayloadTooLargeError, ValidationError
from brokerguard.registerkit.files import read_input_file


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_bytes(b"asset tag,name\n")
    assert read_input_file(path) == b"asset tag,name\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.csv", "no such file"), (".", "is a folder, not a file")],
)
def test_names_what_is_wrong_with_the_path(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        read_input_file(tmp_path / name)
    assert raised.value.field == "file"


def test_an_empty_device_is_empty_not_missing() -> None:
    with pytest.raises(ValidationError, match="is empty"):
        read_input_file(Path(os.devnull))


def test_an_endless_stream_is_refused_at_the_limit() -> None:
    with pytest.raises(PayloadTooLargeError, match="larger than 64 bytes"):
        read_input_file(Path("/dev/zero"), max_bytes=64)


def test_reads_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(b"tag,name\nA,B\n",))
    writer.start()
    assert read_input_file(fifo) == b"tag,name\nA,B\n"
    writer.join()
