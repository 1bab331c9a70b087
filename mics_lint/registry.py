"""Rules as data: code, name, default severity, summary and explanation, next to the check.

A family module declares its rules with `@rule` (a check run on every parsed record) or
`declare` (a fact the engine itself finds while reading and parsing lines); `rules/__init__.py`
gathers the families in a fixed order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Finding, Severity
from mics_lint.inline import inlinable, later
from mics_lint.jsontext import nested_spans, number_after, top_level_keys
from mics_lint.lazyre import compiled
from mics_lint.rulerecord import FIX_SAFE as FIX_SAFE
from mics_lint.rulerecord import FIX_UNSAFE as FIX_UNSAFE
from mics_lint.rulerecord import Rule as Rule

if TYPE_CHECKING:  # made where a nested finding is placed (start-up, issue 14)
    from mics_lint.spans import NestedSpans

Record = dict[str, Any]

CODE_RE = compiled(r"^MIC\d{3}$")
NAME_RE = compiled(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: How a rule's diagnostics are joined when a file is checked in chunks (parallel.py):
#: reported once per file (the first chunk's only), or about users seen across chunks.
ONCE_PER_FILE, ACROSS_USERS = "once per file", "users"
EXPLANATION_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")


class LineContext:
    """What a record check may ask about the line it checks, beyond the parsed record.

    Key positions are found only when a rule asks for one, so clean lines never pay for them.
    """

    __slots__ = (
        "_found",
        "_nested",
        "_quick",
        "_spans",
        "_text",
        "lineno",
        "raw",
        "show_values",
        "state",
    )

    def __init__(
        self, lineno: int, raw: bytes, state: dict[str, Any], show_values: bool = False
    ) -> None:
        self.lineno = lineno
        self.raw = raw
        self.state = state  # per file and per rule code: what cross-line rules remember
        # Whether messages may show values whole (see redact.py); off by default.
        self.show_values = show_values
        self._spans: dict[str, tuple[int, int]] | None = None
        self._found: dict[str, tuple[int, int]] = {}  # keys found by a search, not a tokenize
        self._nested: NestedSpans | None = None
        self._quick = 0
        self._text: str | None = None

    @property
    def decoded(self) -> str | None:
        """The line's text if something asked for it already, else None (not decoded)."""
        return self._text

    @property
    def text(self) -> str:
        """The line, decoded (undecodable bytes become U+FFFD)."""
        if self._text is None:
            self._text = self.raw.decode("utf-8", "replace")
        return self._text

    def key_span(self, key: str) -> tuple[int, int]:
        """1-based start and end columns of the last occurrence of a top-level key, or (0, 0)."""
        found = self._found.get(key)
        if found is not None:
            return found  # a message and its location both ask (value_text, at)
        if self._spans is None and self._quick < _QUICK_LOOKUPS:
            # A search per key is quicker than tokenizing the line, for a few keys; a line
            # with many (100,000 unknown keys) is tokenized once instead.
            self._quick += 1
            quick = _only_key(self.text, key)
            if quick is not None:
                self._found[key] = quick
                return quick
        if self._spans is None:
            self._spans = {}
            for name, start, end in top_level_keys(self.text):
                self._spans[name] = (start + 1, end + 1)  # last occurrence wins, as in parsing
        return self._spans.get(key, (0, 0))

    def value_text(self, key: str) -> str:
        """The value of a top-level key as written, when it is a number; else ""."""
        start, end = self.key_span(key)
        if not start:
            return ""
        return number_after(self.text, end - 1)

    def at(self, key: str | Sequence[str | int], message: str) -> Finding:
        """A finding located at a top-level key of the line, or at a nested one named by its
        path (("identifiers", 0, "hash")); a path not found falls back to where its nearest
        enclosing key is."""
        if isinstance(key, str):
            start, end = self.key_span(key)
            return Finding(message, start, end)
        path = tuple(key)
        if len(path) > 1:
            if self._nested is None:  # once a line
                from mics_lint.spans import NestedSpans

                self._nested = NestedSpans(*nested_spans(self.text))
            while len(path) > 1:
                span = self._nested.get(path)
                if span is not None:
                    return Finding(message, span[0] + 1, span[1] + 1)
                path = path[:-1]
        if path and isinstance(path[0], str):
            start, end = self.key_span(path[0])
            return Finding(message, start, end)
        return Finding(message)


_QUICK_LOOKUPS = 8


def _only_key(text: str, key: str) -> tuple[int, int] | None:
    """The span of `"key":` when it occurs exactly once in the line (so at the top level,
    since the caller knows the key is there); None when only the tokenizer can tell: also
    for a line with a backslash, where the top-level key may be written with escapes and
    its one plain spelling be a key of that name inside a nested object."""
    if not key or '"' in key or "\\" in key or not key.isprintable() or "\\" in text:
        return None
    quoted = f'"{key}"'
    start = text.find(quoted)
    if start < 0 or text.find(quoted, start + 1) >= 0:
        return None
    end = start + len(quoted)
    if text[end : end + 1] != ":" and not text[end:].lstrip().startswith(":"):
        return None
    return start + 1, end + 1


RecordCheck = Callable[[Record, LineContext], Iterable[Finding]]
#: A value rule's message for one identifier value: (where, value, show_values) -> text,
#: where `where` names the value as the line holds it (`$user_identifiers[1].$hash`).
ValueMessage = Callable[[str, str, bool], str]
#: Whether one identifier value breaks a value rule.
ValueTest = Callable[[str], bool]
#: One identifier value of a line, as a type's field map finds it: (its path for
#: `LineContext.at`, how a message names it, its role in `ROLES`, the value).
IdentifierValue = tuple[str | tuple[str | int, ...], str, str, str]
#: A document type's field map: the string identifier values of a record.
FieldMap = Callable[[Record], Iterable[IdentifierValue]]


def broken_value_rules(
    rules: Sequence[Rule], field_map: FieldMap, record: Record
) -> Iterator[tuple[Rule, IdentifierValue]]:
    """Each value rule of `rules` that fires on an identifier value of `record` the field
    map finds, with that value: what the full checks report (linecheck.py), and what the
    fixer asks of a value it would write (fix_records.py)."""
    for found in field_map(record):
        role, value = found[2], found[3]
        for rule in rules:
            if (rule.roles is None or role in rule.roles) and rule.bad(value):  # type: ignore[misc]
                yield rule, found


#: A document type's fast check of one decoded line, `(command, raw, lineno, plain)`: True
#: means "no rule can fire on it" (see fastpath.py); False, "the full checks decide"; a
#: record Rule, "no rule but this one can fire on it": the engine runs that rule alone on
#: the parsed record (fastloop.FastLoop._one_rule), so a common mistake repeated on every
#: line costs a parse and one rule, not every check. A wrapper of a check must pass its
#: verdict on as it is (test `is True`, never its truth: a Rule is truthy). `plain` says
#: the caller found no `<`, no backslash and no run of 19 digits in the line, and that it
#: is valid UTF-8 (it screens lines in groups); when False, the check looks for itself.
FastCheck = Callable[[Any, bytes, int, bool], "bool | Rule"]
#: What cross-line rules and the file's settings keep for one file (`LineContext.state`).
FileState = Mapping[str, Any]
#: Makes a type's fast check for one file: (the enabled codes, MIC501's users, the decoder,
#: the file's state) -> the check. Typed loosely (Any for the users and the decoder), as
#: the registry knows neither crossline.py nor msgspec.
FastCheckMaker = Callable[[frozenset[str], Any, Any, FileState], FastCheck]


class Family:
    """The rules of one code family (MIC0xx, MIC1xx, ...), in declaration order."""

    def __init__(self, prefix: str, title: str) -> None:
        self.prefix = prefix
        self.title = title
        self.rules: list[Rule] = []
        # Set once the family is in the registry: a rule declared later (a plugin, or a
        # test) joins it at once, and so every document type whose rules name the family.
        self.registry: Registry | None = None

    def declare(
        self,
        code: str,
        name: str,
        severity: Severity,
        summary: str,
        explanation: str,
        *,
        fix: str | None = None,
        fix_always: bool = False,
        across_chunks: str | None = None,
    ) -> Rule:
        """A rule the engine checks itself; `explanation` is the text `mics-lint rule` prints."""
        made = Rule(
            code,
            name,
            severity,
            summary,
            explanation,
            fix=fix,
            fix_always=fix_always,
            across_chunks=across_chunks,
        )
        self._add(made)
        return made

    def rule(
        self,
        code: str,
        name: str,
        severity: Severity,
        summary: str,
        *,
        across_chunks: str | None = None,
        default_on: bool = True,
        by_keys: bool = False,
    ) -> Callable[[RecordCheck], RecordCheck]:
        """Declare a record check; its docstring is the rule's explanation. `by_keys`: see
        Rule.by_keys (tests/test_lax_path.py holds it on the rule's own example)."""

        def register(check: RecordCheck) -> RecordCheck:
            doc = check.__doc__ or ""
            made = Rule(
                code,
                name,
                severity,
                summary,
                doc,
                check,
                across_chunks=across_chunks,
                by_keys=by_keys,
            )
            self._add(made if default_on else replace(made, default_on=False))
            return check

        return register

    def value_rule(
        self,
        code: str,
        name: str,
        severity: Severity,
        summary: str,
        *,
        bad: ValueTest,
        roles: frozenset[str] | None = None,
        screen: ValueTest | str | None = None,
        fix: str | None = None,
    ) -> Callable[[ValueMessage], ValueMessage]:
        """Declare a rule about one identifier value, whatever the type's key for it
        (`email_hash`, `$email_hash.$hash`, a deletion's `hash`...): `bad` tells a value
        that breaks it, the decorated function writes the message, and its docstring is
        the rule's explanation. Declared so, a rule is checked on every document type and
        on the fast path too, with nothing else to write. `screen`, the fast checks' test,
        may be a function or an expression of `value` (see `value_screens`)."""
        source: str | None = None
        test: ValueTest | None = screen if callable(screen) else None
        if isinstance(screen, str):  # compiled when first called (inline.later)
            source, test = screen, later(f"({screen})", ("value",))

        def register(message: ValueMessage) -> ValueMessage:
            made = Rule(
                code,
                name,
                severity,
                summary,
                message.__doc__ or "",
                fix=fix,
                roles=roles,
                bad=bad,
                screen=test or bad,
                screen_source=source,
                message=message,
            )
            self._add(made)
            return message

        return register

    def remove(self, code: str) -> None:
        """Withdraw a rule declared at run time (a test's, say)."""
        self.rules = [r for r in self.rules if r.code != code]
        if self.registry is not None:
            self.registry.forget(code)

    def _add(self, made: Rule) -> None:
        if not made.code.startswith(self.prefix):
            raise ValueError(f"{made.code} does not belong to family {self.prefix}")
        if self.registry is not None:
            self.registry.add(made)
        self.rules.append(made)


#: What an identifier value is, whatever a type calls its key: `hash` is a deletion's or an
#: association's hash of another type than USER_EMAIL (an e-mail hash is "email_hash").
ROLES = ("compartment_id", "user_account_id", "email_hash", "user_agent_id", "hash")


def _any_of(tests: list[ValueTest]) -> ValueTest | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _any_of(tests[1:])
    assert rest is not None
    # Chained calls, not any() over a generator: this runs on every identifier value.
    return lambda value: first(value) or rest(value)


@functools.cache
def _compiled(sources: tuple[str, ...]) -> ValueTest:
    """One function of `value` that is true when any of the expressions is, declared as one
    expression: a fast check joins it with others (inline.joined)."""
    # Each expression once: two rules may share one (trimming.EDGES_SCREEN).
    unique = dict.fromkeys(sources)
    test: ValueTest = inlinable(" or ".join(f"({source})" for source in unique), ("value",))
    return test


class Registry(Mapping[str, Rule]):
    """Every rule by code, with lookups by name and by prefix."""

    def __init__(self, families: Iterable[Family]) -> None:
        self._by_code: dict[str, Rule] = {}
        self._by_name: dict[str, Rule] = {}
        # Counts the rules added and withdrawn: what is worked out from every rule once (a
        # selection's enabled codes, settings.py) is kept for as long as it is unchanged.
        self.generation = 0
        for family in families:
            for item in family.rules:
                self.add(item)
            family.registry = self

    def add(self, item: Rule) -> None:
        if item.code in self._by_code or item.name in self._by_name:
            raise ValueError(f"rule {item.code} {item.name} is declared twice")
        self._by_code[item.code] = item
        self._by_name[item.name] = item
        self.generation += 1

    def forget(self, code: str) -> None:
        item = self._by_code.pop(code, None)
        if item is not None:
            self._by_name.pop(item.name, None)
            self.generation += 1

    def across_chunks(self, how: str) -> list[Rule]:
        """The rules whose diagnostics merging chunks treats `how` (ONCE_PER_FILE...)."""
        return [r for r in self._by_code.values() if r.across_chunks == how]

    def value_rules(self, enabled: frozenset[str]) -> list[Rule]:
        """The enabled value rules, in code order."""
        return [r for c, r in sorted(self._by_code.items()) if r.bad is not None and c in enabled]

    @property
    def value_codes(self) -> frozenset[str]:
        """The codes of every value rule: every fast check covers them (it calls their
        screens)."""
        return frozenset(c for c, r in self._by_code.items() if r.bad is not None)

    def value_screens(self, enabled: frozenset[str]) -> dict[str, ValueTest | None]:
        """For each identifier role (see `ROLES`), one test telling a value that may break
        an enabled value rule, or None when none reads that role: what fast checks call.
        Screens declared as expressions are joined into one function: a fast check calls
        it on every identifier value, and a Python call costs more than most screens."""
        found: dict[str, ValueTest | None] = {}
        rules = self.value_rules(enabled)
        for role in ROLES:
            mine = [
                r for r in rules if r.screen is not None and (r.roles is None or role in r.roles)
            ]
            sources = tuple(r.screen_source for r in mine if r.screen_source is not None)
            if len(sources) == len(mine) and sources:
                found[role] = _compiled(sources)
            else:
                found[role] = _any_of([r.screen for r in mine if r.screen is not None])
        return found

    def __getitem__(self, code: str) -> Rule:
        return self._by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def lookup(self, code_or_name: str) -> Rule | None:
        """A rule by its code (any case) or its name."""
        return self._by_code.get(code_or_name.upper()) or self._by_name.get(code_or_name.lower())

    def matching(self, selector: str) -> list[Rule]:
        """The rules a selector names: a code prefix (`MIC3`, `MIC302`), a name, or `ALL`."""
        if selector.upper() == "ALL":
            return list(self._by_code.values())
        by_name = self._by_name.get(selector.lower())
        if by_name is not None:
            return [by_name]
        prefix = selector.upper()
        if not re.fullmatch(r"MIC\d{0,3}", prefix):
            return []
        return [r for c, r in self._by_code.items() if c.startswith(prefix)]

    def specificity(self, selector: str) -> int:
        """How specific a selector is: the longer prefix wins; a name is as specific as a code."""
        if selector.upper() == "ALL":
            return 0
        if selector.lower() in self._by_name:
            return 6
        return len(selector)
