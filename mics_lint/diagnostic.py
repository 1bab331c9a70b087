"""What a check finds (`Finding`) and what a user is shown (`Diagnostic`).

A rule yields findings; the engine stamps them with the path, the line, the rule's code and
name and the configured severity, so that a rule can never report under a wrong code.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import enum
from dataclasses import field
from typing import Any

from mics_lint.startup import Fields, record

_PUT = object.__setattr__


class Severity(enum.IntEnum):
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        # Every diagnostic printed asks: an enum's `name` is a descriptor, ten times a
        # dictionary's lookup.
        return _WORDS[self]

    def __format__(self, spec: str) -> str:
        # An IntEnum formats as its number under a spec (f"{s:<8}" gave "2"): its word.
        return format(_WORDS[self], spec)

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"{text!r} is not a severity: use 'error' or 'warning'") from None


_WORDS = {severity: severity.name.lower() for severity in Severity}


def counted(count: int, word: str, words: str | None = None) -> str:
    """`count` and the word it counts, in the singular for 1 (for messages and summaries
    alike: "a JSON array of 1 object", "Fixed 1 problem")."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


class Finding(Fields):
    """One problem, as a rule reports it.

    `column` and `end_column` are 1-based code-point columns in the line; 0 means "not known,
    use the whole line" and is resolved by the engine.

    A NamedTuple, frozen and compared as a frozen dataclass is, and quicker to make: both
    when the class is made at start-up (issue 14) and for each finding.
    """

    message: str
    column: int = 0
    end_column: int = 0


# A dataclass whose __init__, __repr__, __eq__ and __hash__ are written here as @dataclass
# would write them: compiling them at import took ~2 ms of a small check's start-up (issue
# 14). tests/test_records.py holds them to a dataclass made from the same fields. `record`
# freezes it without compiling __setattr__ and __delattr__ (startup.py).
@record(frozen=True, slots=True, init=False, repr=False, eq=False)
class Diagnostic:
    """One problem at one place of one file: the public record behind every output format."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: Severity
    message: str
    # The decoded line, for reporters that show it or count its bytes; not in the JSON record.
    source: str | None = field(default=None, compare=False, repr=False)
    # The document type the file was checked as (USER_PROFILE...): the same on every
    # diagnostic of a file. Empty only where a caller built the record itself.
    doc_type: str = ""
    # What `--fix` would do about it: FIX_SAFE ("safe": `[*]` in the text formats),
    # FIX_UNSAFE (only with --unsafe-fixes) or None. Not in the JSON record (yet).
    fix: str | None = field(default=None, compare=False)

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        source: str | None = None,
        doc_type: str = "",
        fix: str | None = None,
    ) -> None:
        if _SWAP:
            # Frozen: the fields set as plain slots of _Unfrozen, then the object made a
            # Diagnostic again. 0.5 µs where twelve object.__setattr__ (what the generated
            # __init__ does) take 1.2: a file whose every line is bad makes one a line.
            _PUT(self, "__class__", _Unfrozen)
            one: Any = self
            one.path, one.line, one.column, one.end_line = path, line, column, end_line
            one.end_column, one.code, one.name, one.severity = end_column, code, name, severity
            one.message, one.source, one.doc_type, one.fix = message, source, doc_type, fix
            one.__class__ = Diagnostic
            return
        put = _PUT
        put(self, "path", path)
        put(self, "line", line)
        put(self, "column", column)
        put(self, "end_line", end_line)
        put(self, "end_column", end_column)
        put(self, "code", code)
        put(self, "name", name)
        put(self, "severity", severity)
        put(self, "message", message)
        put(self, "source", source)
        put(self, "doc_type", doc_type)
        put(self, "fix", fix)

    def _compared(self) -> tuple[object, ...]:  # the fields with compare=True, in order
        return (
            *(self.path, self.line, self.column, self.end_line, self.end_column),
            *(self.code, self.name, self.severity, self.message, self.doc_type),
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__qualname__}(path={self.path!r}, line={self.line!r}, "
            f"column={self.column!r}, end_line={self.end_line!r}, "
            f"end_column={self.end_column!r}, code={self.code!r}, name={self.name!r}, "
            f"severity={self.severity!r}, message={self.message!r}, "
            f"doc_type={self.doc_type!r}, fix={self.fix!r})"
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Diagnostic) and other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    def with_fix(self, fix: str | None) -> "Diagnostic":
        # Not dataclasses.replace, which reads the fields anew each call: the marks of a
        # file whose every line has a fixable mistake make one a line.
        return Diagnostic(
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.code,
            self.name,
            self.severity,
            self.message,
            self.source,
            self.doc_type,
            fix,
        )

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_dict(self) -> dict[str, object]:
        """The documented JSON record (docs/reports.md, "The JSON record")."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "message": self.message,
            "doc_type": self.doc_type,
        }


class _Unfrozen:
    """Diagnostic's slots without its frozen `__setattr__`: what a Diagnostic is while its
    `__init__` sets its fields (CPython lets an object change class between two classes of
    the same slots)."""

    __slots__ = Diagnostic.__slots__


_SWAP = True
try:  # a Python that refuses the change of class: the generated __init__'s way
    Diagnostic("", 0, 0, 0, 0, "", "", Severity.ERROR, "")
except TypeError:  # pragma: no cover
    _SWAP = False


def made(*fields: Any) -> Diagnostic:
    """`Diagnostic(*fields)`, all twelve fields given in order, for the engine's one a bad
    line (linecheck.py): made an _Unfrozen and turned into a Diagnostic once, where the
    class's call runs `__init__` in Python, which turns it and back (2,900 instructions a
    diagnostic less, cachegrind)."""
    if not _SWAP:  # pragma: no cover
        return Diagnostic(*fields)
    one: Any = _NEW(_Unfrozen)
    (
        one.path,
        one.line,
        one.column,
        one.end_line,
        one.end_column,
        one.code,
        one.name,
        one.severity,
        one.message,
        one.source,
        one.doc_type,
        one.fix,
    ) = fields
    one.__class__ = Diagnostic
    return one  # type: ignore[no-any-return]


_NEW = object.__new__
