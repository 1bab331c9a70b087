"""`Rule`: one rule's code, name, default severity, texts and checks (see registry.py).

Its own module because its dataclass methods are written out (start-up, issue 14: @dataclass
compiled them at import, ~1.3 ms of a small check's), and registry.py had no room for them.
tests/test_records.py holds them to a dataclass made from the same fields.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import field
from typing import TYPE_CHECKING

from mics_lint.diagnostic import Severity
from mics_lint.startup import record

if TYPE_CHECKING:
    from mics_lint.registry import RecordCheck, ValueMessage, ValueTest

FIX_SAFE, FIX_UNSAFE = "safe", "unsafe"
_PUT = object.__setattr__


@record(frozen=True, slots=True, init=False, repr=False, eq=False)
class Rule:
    """One rule: what `mics-lint rule` shows, and what the engine runs (its record check,
    or, for a value rule, its test, screen and message)."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str  # as written: `explanation` cleans it when asked, not every rule's at import
    check: RecordCheck | None = field(default=None, compare=False)
    #: What `--fix` does about it: None, FIX_SAFE or FIX_UNSAFE (see fix.py); and whether
    #: every diagnostic of it can be fixed, or only some (`fix_always`).
    fix: str | None = None
    fix_always: bool = False
    #: A value rule (`Family.value_rule`): the identifier roles it reads (None: every
    #: role), the test of one value, and its message. The engine runs it on the values
    #: each document type's field map finds; every fast check calls `screen` (a test as
    #: broad as `bad` or broader, and cheaper) on each identifier value it vouches for.
    roles: frozenset[str] | None = None
    bad: ValueTest | None = field(default=None, compare=False)
    screen: ValueTest | None = field(default=None, compare=False)
    #: The screen as an expression of `value`, when declared so (see `value_screens`).
    screen_source: str | None = field(default=None, compare=False)
    message: ValueMessage | None = field(default=None, compare=False)
    #: ONCE_PER_FILE, ACROSS_USERS or None: what merging chunks must do for it.
    across_chunks: str | None = None
    #: False: runs only when a selection names it (its code, a prefix of it, its name).
    default_on: bool = True
    #: True: its check's findings on a record are decided by the record's keys (in order,
    #: which may matter only among keys its schema does not define), its operation and the
    #: file's settled state alone, never by another value, and the check changes no state.
    #: laxpath.py remembers them by a line's keys; fastloop.py (`_one_rule`) by which keys
    #: a line of its schema's keys alone has.
    by_keys: bool = False

    def __init__(
        self,
        code: str,
        name: str,
        severity: Severity,
        summary: str,
        doc: str,
        check: RecordCheck | None = None,
        fix: str | None = None,
        fix_always: bool = False,
        roles: frozenset[str] | None = None,
        bad: ValueTest | None = None,
        screen: ValueTest | None = None,
        screen_source: str | None = None,
        message: ValueMessage | None = None,
        across_chunks: str | None = None,
        default_on: bool = True,
        by_keys: bool = False,
    ) -> None:
        put = _PUT  # frozen: as the generated __init__ does
        put(self, "code", code)
        put(self, "name", name)
        put(self, "severity", severity)
        put(self, "summary", summary)
        put(self, "doc", doc)
        put(self, "check", check)
        put(self, "fix", fix)
        put(self, "fix_always", fix_always)
        put(self, "roles", roles)
        put(self, "bad", bad)
        put(self, "screen", screen)
        put(self, "screen_source", screen_source)
        put(self, "message", message)
        put(self, "across_chunks", across_chunks)
        put(self, "default_on", default_on)
        put(self, "by_keys", by_keys)

    def _compared(self) -> tuple[object, ...]:  # the fields with compare=True, in order
        return (
            *(self.code, self.name, self.severity, self.summary, self.doc, self.fix),
            *(self.fix_always, self.roles, self.across_chunks, self.default_on, self.by_keys),
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__qualname__}(code={self.code!r}, name={self.name!r}, "
            f"severity={self.severity!r}, summary={self.summary!r}, doc={self.doc!r}, "
            f"check={self.check!r}, fix={self.fix!r}, fix_always={self.fix_always!r}, "
            f"roles={self.roles!r}, bad={self.bad!r}, screen={self.screen!r}, "
            f"screen_source={self.screen_source!r}, message={self.message!r}, "
            f"across_chunks={self.across_chunks!r}, default_on={self.default_on!r}, "
            f"by_keys={self.by_keys!r})"
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rule) and other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    @property
    def explanation(self) -> str:  # what `mics-lint rule` prints
        return inspect.cleandoc(self.doc)

    @property
    def fix_text(self) -> str:
        """One sentence on the rule's fix, for `mics-lint rule` and the docs."""
        if self.fix is None:
            return "Fix: none (`--fix` leaves it to you)."
        when = "always" if self.fix_always else "sometimes (see below)"
        if self.fix == FIX_SAFE:
            return f"Fix: safe, applied by `--fix`; available {when}."
        return f"Fix: unsafe, applied only with `--fix --unsafe-fixes`; available {when}."

    @property
    def example(self) -> str:
        return _code_block_after(self.explanation, "## Example")

    @property
    def use_instead(self) -> str:
        return _code_block_after(self.explanation, "Use instead:")


def _code_block_after(text: str, heading: str) -> str:
    start = text.find(heading)
    if start < 0:
        return ""
    match = re.search(r"```[a-z]*\n(.*?)```", text[start:], re.DOTALL)
    return match.group(1) if match else ""
