"""A line's frame, and the limits of holding a file's first lines: one definition for the
linter (linter.py, linecheck.py) and the fixer (fix.py).

A line comes with its end: LF, CRLF, a last lone CR, or nothing at the end of a file. Its
body is what lies before; on line 1, after a byte-order mark. A body of JSON whitespace
only is blank (MIC004). Both the linter and the fixer hold a file's first lines while they
may be blank (an empty file, MIC008) or one JSON document spread over lines (MIC007), up
to the same limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from mics_lint.lazyre import compiled

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
#: Bytes searched for in a line, as integers: `BACKSLASH in raw` is a memchr, where
#: `b"\\" in raw` first tries its needle as an integer and raises and clears a TypeError,
#: which costs more than the search of a line (0.22 µs against 0.02 for 300 bytes, CPython
#: 3.11). A longer needle is searched with `find` for the same reason.
BACKSLASH = ord("\\")
LESS_THAN = ord("<")


def split_ending(raw: bytes) -> tuple[bytes, bytes]:
    """A line without its end, and the end: CRLF, LF, a last lone CR, or nothing."""
    if raw.endswith(b"\r\n"):
        return raw[:-2], b"\r\n"
    if raw.endswith(b"\n"):
        return raw[:-1], b"\n"
    if raw.endswith(b"\r"):  # the last line of a file, ended by a CR alone
        return raw[:-1], b"\r"
    return raw, b""


def ended_body(raw: bytes) -> bytes:
    """`split_ending(raw)[0]` of a line that ends with LF (or CRLF), as every line the fast
    loop answers does: a third of its cost, for the lines of an export's repeated mistake."""
    return raw[:-2] if raw[-2:-1] == b"\r" else raw[:-1]


def bodies_in_groups(
    lines: Sequence[int], firsts: Sequence[int], read: Callable[[int], bytes]
) -> list[bytes]:
    """The text of each of `lines` (line numbers, increasing), without its end, where the
    lines were read in groups: `firsts`, each group's first line (increasing), and
    `read(group)`, the group's whole lines read again. Each group is read once; its lines
    are found by one split where they are dense (a file of one user repeated), else by its
    LFs, searched on from the last line found: no line costs a search from its group's
    start, nor a copy of the lines before it (MIC501's lines: userswindow.py, merge.py)."""
    import bisect  # a MIC501 only: not at start-up (tests/test_startup.py)

    bodies: list[bytes] = []
    start = 0
    while start < len(lines):
        group = bisect.bisect_right(firsts, lines[start]) - 1
        more = group + 1 < len(firsts)
        end = bisect.bisect_left(lines, firsts[group + 1], start) if more else len(lines)
        data, first = read(group), firsts[group]
        following = firsts[group + 1] if more else lines[end - 1] + 1  # (or the group's end)
        if (end - start) * 8 >= following - first:
            parts = data.split(b"\n")
            found = [parts[n - first] if n - first < len(parts) else b"" for n in lines[start:end]]
        else:
            found, at, current = [], 0, first
            for lineno in lines[start:end]:
                while current < lineno:  # a file cut short since: empty lines from its end
                    at = data.find(b"\n", at) + 1 or len(data)
                    current += 1
                stop = data.find(b"\n", at)
                found.append(data[at:] if stop < 0 else data[at:stop])
        # A CR before the LF goes with it, as a last line's lone CR does (split_ending).
        bodies += [body[:-1] if body[-1:] == b"\r" else body for body in found]
        start = end
    return bodies


def given_lines(lines: Iterable[bytes | str]) -> Iterator[bytes]:
    """An API caller's lines (linter.lint_lines) as a file's: UTF-8 bytes, each with its end.

    A line given without one is ended with LF when another follows it. The last one is
    ended too when none of the lines before it came with an end (`text.splitlines()`: the
    caller gave lines, not a file's bytes, and no final newline is missing); else it is
    left as it came, as a file's last line is, which MIC005 reports (`readlines()`, an open
    file, `splitlines(keepends=True)`, or a single line)."""
    if isinstance(lines, (str, bytes, bytearray)):
        raise TypeError(
            "lint_lines takes the lines of a file (a list or any iterable of str or bytes), "
            "not one text: pass text.splitlines(keepends=True)"
        )
    ended = False
    count = 0
    held: bytes | None = None
    for line in lines:
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogateescape")
        elif not isinstance(line, (bytes, bytearray)):
            raise TypeError(f"lint_lines: a line is str or bytes, not {type(line).__name__}")
        if held is not None:
            yield held if held.endswith(b"\n") else held + b"\n"
        held = bytes(line)
        count += 1
        ended = ended or held.endswith(b"\n")
    if held is not None:
        yield held if ended or count == 1 or held.endswith(b"\n") else held + b"\n"


def body(raw: bytes, *, first: bool) -> bytes:
    """A line's body: without its end and, on the first line, its byte-order mark."""
    found = split_ending(raw)[0]
    return found.removeprefix(BOM) if first else found


def is_blank(text: bytes) -> bool:
    """Whether a line's body holds nothing but whitespace (MIC004)."""
    return not text.strip(SPACE)


def commas_alone(body: bytes) -> bool:
    """Whether a line's body holds commas and whitespace alone (`,` between records, as an
    array's were): MIC101's message for it (row_shapes.py), and `--fix` drops the line."""
    return body[:1] in (b",", b" ", b"\t") and not body.strip(b" \t,") and 0x2C in body


def is_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8 throughout (MIC001): what the fast checks test where msgspec
    did not read (a skipped value), a group of lines at once where they can (one decode of
    64 lines costs half of 64 decodes)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class HeldLines:
    """A file's first lines, held compactly: their bytes end to end, as read.

    A line is an object of its own only when it is given back (`__iter__`): a list of
    millions of short lines (blank ones, say) would cost some 50 bytes each beyond their
    bytes, where the limits above count only their bytes. Lines are told apart by their
    LF, as a reader splits them; lines given otherwise (an API caller's, some without
    their end) are kept as given, in a list.
    """

    def __init__(self) -> None:
        self.data = bytearray()
        self.count = 0
        self.open_end = False  # the last line has no LF: no other may follow it in `data`
        self.pieces: list[bytes] | None = None  # lines an LF does not delimit, as given

    def append(self, raw: bytes) -> None:
        self.count += 1
        if self.pieces is None:
            end = raw.find(b"\n")
            if not self.open_end and (end == len(raw) - 1 or (end < 0 and raw)):
                self.data += raw
                self.open_end = end < 0
                return
            self.pieces = list(self._split())
            self.data = bytearray()
        self.pieces.append(raw)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[bytes]:
        if self.pieces is not None:
            return iter(self.pieces)
        return self._split()

    def _split(self) -> Iterator[bytes]:
        data, start = self.data, 0
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end + 1
            yield bytes(data[start:end])
            start = end

    def joined(self) -> bytes:
        return bytes(self.data) if self.pieces is None else b"".join(self.pieces)

    def clear(self) -> None:
        self.data, self.count, self.open_end, self.pieces = bytearray(), 0, False, None


# One JSON token, loosely: any run of number and literal characters is taken for one
# value, and any escape in a string is taken as valid, so that a text is never called
# broken when the standard library would parse it (the other way round costs only time).
_TOKEN = compiled(
    rb'[ \t\r\n\x0b\x0c]+|(")(?:[^"\\\x00-\x1f]|\\[^\x00-\x1f])*"|([-+.0-9A-Za-z]+)|([{}\[\]:,])'
)
_VALUE, _FIRST_VALUE, _KEY, _FIRST_KEY, _COLON, _AFTER, _DONE, _BROKEN = range(8)


class JsonPrefix:
    """Whether lines read so far may still begin one JSON document spread over lines.

    Fed a line at a time, it follows JSON's grammar with a stack of open containers, so
    that a file whose first lines are broken stops being held at the first line no ending
    could mend (`{"a`, a record followed by a comma...): holding it to the limit would only
    delay its diagnostics. A JSON string holds no raw line break, so no token spans lines.
    """

    def __init__(self, *, comma_after: bool = False) -> None:
        self.stack = bytearray()
        self.state = _VALUE
        # A comma after the whole value is let pass (`},`: an array's element pasted), as
        # a record split over lines allows it (see opening.py).
        self.comma_after = comma_after

    @property
    def broken(self) -> bool:
        return self.state == _BROKEN

    @property
    def done(self) -> bool:
        """Whether the value is whole (a comma after it aside, with `comma_after`)."""
        return self.state == _DONE

    @property
    def wants_value(self) -> bool:
        """Whether the next token may begin a value (not a key, not after one)."""
        return self.state in (_VALUE, _FIRST_VALUE)

    def feed(self, text: bytes) -> bool:
        """Reads one more line (its body, or all of it); False once the text is broken."""
        at, end = 0, len(text)
        while at < end and self.state != _BROKEN:
            found = _TOKEN.match(text, at)
            if found is None:
                self.state = _BROKEN
                break
            at = found.end()
            if found.group(1) is not None:
                self._string()
            elif found.group(2) is not None:
                self._value()
            elif found.group(3) is not None:
                self._punctuation(found.group(3))
        return self.state != _BROKEN

    def _value(self) -> None:
        if self.state in (_VALUE, _FIRST_VALUE):
            self.state = _AFTER if self.stack else _DONE
        else:
            self.state = _BROKEN

    def _string(self) -> None:
        if self.state in (_KEY, _FIRST_KEY):
            self.state = _COLON
        else:
            self._value()

    def _punctuation(self, mark: bytes) -> None:
        state, stack = self.state, self.stack
        top = stack[-1:]
        if mark in b"{[" and state in (_VALUE, _FIRST_VALUE):
            stack += mark
            self.state = _FIRST_KEY if mark == b"{" else _FIRST_VALUE
        elif mark == b":" and state == _COLON:
            self.state = _VALUE
        elif mark == b"," and state == _AFTER:
            self.state = _KEY if top == b"{" else _VALUE
        elif (mark == b"}" and top == b"{" and state in (_AFTER, _FIRST_KEY)) or (
            mark == b"]" and top == b"[" and state in (_AFTER, _FIRST_VALUE)
        ):
            del stack[-1]
            self.state = _AFTER if stack else _DONE
        elif mark == b"," and state == _DONE and self.comma_after:
            pass
        else:
            self.state = _BROKEN
