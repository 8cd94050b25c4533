"""The text policy itself: what single-line and multi-line text may hold."""

from __future__ import annotations

import pytest

from brokerguard.textpolicy import check_text, neutralise, unsafe_character


@pytest.mark.parametrize(
    ("value", "position", "char"),
    [
        ("\u0088abc\u000edef", 0, "\u0088"),  # C1 control (the plan text)
        ("ok\u0018", 2, "\u0018"),  # C0 control (the closing note)
        ("\u001dth", 0, "\u001d"),  # the IoT exception reason
        ("abc\u202etxt.exe", 3, "\u202e"),  # right-to-left override
        ("x\u2066y", 1, "\u2066"),  # isolate
        ("x\x7f", 1, "\x7f"),
        ("x\x00", 1, "\x00"),
        ("lone \ud800", 5, "\ud800"),
        ("x\uffff", 1, "\uffff"),
        ("two\nlines", 3, "\n"),
        ("tab\there", 3, "\t"),
    ],
)
def test_single_line_text_refuses_control_bidi_and_unencodable(
    value: str, position: int, char: str
) -> None:
    assert unsafe_character(value) == (position, char)
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X} at position {position + 1}"):
        check_text(value)


def test_multiline_text_keeps_tab_and_line_breaks_and_normalises_cr() -> None:
    assert check_text("a\r\nb\rc\td\ne", multiline=True) == "a\nb\nc\td\ne"
    with pytest.raises(ValueError, match="U\\+0018"):
        check_text("line\n\u0018", multiline=True)
    with pytest.raises(ValueError, match="bidirectional"):
        check_text("a\u200fb", multiline=True)


def test_ordinary_text_passes_unchanged() -> None:
    for value in ("缺失改善計畫：更新韌體", "DVR-01 大廳", "émoji 🙂", "", "a-b_c.d"):
        assert check_text(value) == value
        assert neutralise(value) == value


def test_neutralise_replaces_only_what_the_policy_refuses() -> None:
    assert neutralise("\u0088計畫\u000e\n\t\u202e") == "\ufffd計畫\ufffd\n\t\ufffd"
    assert neutralise("a\nb", multiline=False) == "a\ufffdb"
    assert neutralise("\ud800") == "\ufffd"
