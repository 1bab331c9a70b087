"""A line's frame, and the limits of holding a file's first lines: one definition for the
linter (linter.py, linecheck.py) and the fixer (fix.py).

A line comes with its end: LF, CRLF, a last lone CR, or nothing at the end of a file. Its
body is what lies before; on line 1, after a byte-order mark. A body of JSON whitespace
only is blank (MIC004). Both the linter and the fixer hold a file's first lines while they
may be blank (an empty file, MIC008) or one JSON document spread over lines (MIC007), up
to the same limits.
"""

from __future__ import annotations

BOM = b"\xef\xbb\xbf"
#: The first lines are held while they may be a document's, up to this many bytes.
HOLD_LIMIT = 8 * 1024 * 1024
#: A multi-line document (MIC007) is parsed whole to say where it breaks, up to this size;
#: a larger one is reported without being parsed (parsing costs ~15 times its size).
DOCUMENT_PARSE_LIMIT = 16 * 1024 * 1024
#: ... and rewritten whole by `--fix` up to this size (a large JSON array export); a
#: larger one is copied as it is: fixing some of its lines would make records of pieces.
DOCUMENT_FIX_LIMIT = 256 * 1024 * 1024
#: JSON whitespace, and the two other bytes a blank line may hold (vertical tab, form feed).
SPACE = b" \t\r\n\x0b\x0c"
SPACE_TEXT = SPACE.decode("ascii")


def split_ending(raw: bytes) -> tuple[bytes, bytes]:
    """A line without its end, and the end: CRLF, LF, a last lone CR, or nothing."""
    if raw.endswith(b"\r\n"):
        return raw[:-2], b"\r\n"
    if raw.endswith(b"\n"):
        return raw[:-1], b"\n"
    if raw.endswith(b"\r"):  # the last line of a file, ended by a CR alone
        return raw[:-1], b"\r"
    return raw, b""


def body(raw: bytes, *, first: bool) -> bytes:
    """A line's body: without its end and, on the first line, its byte-order mark."""
    found = split_ending(raw)[0]
    return found.removeprefix(BOM) if first else found


def is_blank(text: bytes) -> bool:
    """Whether a line's body holds nothing but whitespace (MIC004)."""
    return not text.strip(SPACE)
