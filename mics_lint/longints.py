"""MIC104's screen on raw bytes: whether a line, or a group of lines, may hold an integer
past 64 bits, for the full checks (linecheck.py) and the fast checks to skip the exact
search (jsontext.unsafe_integers) where it cannot find one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# The cheap screen for MIC104 on raw bytes: with digits turned into 1 and every other byte
# into 0, an integer of 19 digits or more (which may not fit in 64 bits) is a run of 19 ones.
# One translate and one search (a regular expression is ten times slower); the search skips
# ahead fast, as its needle's last byte is rare in the translated text.
_DIGIT_ONES = bytes(0x30) + b"\x01" * 10 + bytes(256 - 0x3A)  # a table: 0x30-0x39 are digits
_LONG_DIGIT_RUN = b"\x01" * 19


# Where an integer's digits may start in JSON text: after a sign, a structural character or
# whitespace; not after a letter, a quote or a dot (a string, a fraction, an exponent).
_NUMBER_BEFORE = frozenset(b"-:,[ \t\r\n")


def _long_int_in(data: bytes, ones: bytes) -> bool:
    """Whether a run of 19 ones in `ones` (`data` with its digits as 1) starts where a
    number may start in `data`. The first run found starts where digits start: a digit
    before it would have been found first."""
    at = ones.find(_LONG_DIGIT_RUN)
    while at >= 0:
        if at == 0 or data[at - 1] in _NUMBER_BEFORE:
            return True
        end = ones.find(b"\x00", at + 19)  # past this run
        if end < 0:
            return False
        at = ones.find(_LONG_DIGIT_RUN, end)
    return False


def may_hold_long_int(data: bytes) -> bool:
    """Whether the JSON text `data` (a line, or lines) may hold an integer past 64 bits
    (never false for one that does): a run of 19 digits where a number may start. About
    one SHA-256 hash in 420, written in hex, holds 19 digits in a row, in a string: its
    line (and the 64 of its group, fastloop.py) is spared the full checks."""
    return _long_int_in(data, data.translate(_DIGIT_ONES))


def block_long_int_screen() -> Callable[[bytes], bool]:
    """`may_hold_long_int` for blocks of many lines: with numpy, once it is imported (by
    MIC501's table), three vectorised passes cost a third of the translate."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return may_hold_long_int
    frombuffer, uint8 = numpy.frombuffer, numpy.uint8

    def screen(block: bytes) -> bool:
        digits: Any = (frombuffer(block, uint8) - 48) < 10  # wraps below "0" to >= 10
        return _long_int_in(block, digits.tobytes())

    return screen
