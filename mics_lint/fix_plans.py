"""The record level of `--fix`: the edits of one record's text, proven where they are.

MIC202 (an identifier written as an integer, a boolean as a string), MIC203 (the case of an
enum value, unsafe), MIC204 (a misspelt key, unsafe) and MIC307 (whitespace around an
identifier, unsafe): `RecordPlanner.plan`, which fix_records.RecordFixer asks of each record
of a line and the marks (fixmarks.py) of a line's counts. A record is rewritten only with
the one token a fix changes, each edit proven where it is (fix_edits.py).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from mics_lint.fix_edits import INTEGER_VALUE, KEPT, Edits, is_shallow, json_string, places, proven
from mics_lint.framer import BACKSLASH
from mics_lint.guards import Guard
from mics_lint.parsed import Retyped
from mics_lint.registry import FieldMap, Rule, broken_value_rules
from mics_lint.renames import Renames
from mics_lint.rules import identifiers, structure, trimming
from mics_lint.rules.type_messages import float_rounded, spelt_boolean

WRONG_TYPE = structure.WRONG_TYPE.code
WHITESPACE = identifiers.IDENTIFIER_WHITESPACE.code
INVALID_VALUE = structure.INVALID_VALUE.code
UNKNOWN = structure.UNKNOWN_FIELD.code

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
# An integer, or one written as a whole decimal (`1000.0`: an id column read as floats).
_INTEGER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.0+)?(?![0-9.eE])")
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")


class RecordPlanner:
    """The edits of one file's records for its schema and rule selection, counting the
    fixes applied in `fixed` and the unsafe ones found but not applied in `hidden`
    (fix_records.RecordFixer, a line's, adds what a line's commas and arrays need)."""

    def __init__(
        self,
        schema: dict[str, Any],
        *,
        fixing: frozenset[str],
        looking: frozenset[str],
        fixed: Counter[str] | defaultdict[str, int],  # a fix run's, or the marks'
        hidden: Counter[str] | defaultdict[str, int],
        identifier_values: FieldMap | None = None,
        guard: Guard | None = None,
        value_rules: Sequence[Rule] = (),
    ) -> None:
        self.fixing = fixing
        # MIC202 quotes an integer only where the enabled value rules take it quoted: "-5", a
        # compartment_id, would trade the error for MIC308's warning (and pass CI).
        self.field_map, self.value_rules = identifier_values, value_rules
        self.quotable: dict[tuple[str, str | int], bool] = {}
        # A record a guard rule takes (MIC207, MIC908) keeps its text: see guards.py.
        self.guard = guard
        # MIC307: the type's field map says which values are identifiers.
        self.identifier_values = identifier_values if WHITESPACE in looking else None
        self.looking = looking
        self.fixed = fixed
        self.hidden = hidden
        self.retyped_keys: list[str] = []  # the keys `retyped` last found a fix for
        self.last_plan: Edits | None = None
        properties: dict[str, Any] = schema.get("properties", {})
        # MIC202: string fields given as integers, not one digits never fill (a UUID).
        self.string_fields = {
            k
            for k, s in properties.items()
            if s.get("type") == "string" and "enum" not in s and not s.get("x-mics-not-digits")
        }
        self.quoted = {k: f'"{k}"'.encode() for k in self.string_fields}  # in bytes: quicker
        # MIC202 too: a boolean written as a string ("false", what a CSV export makes of it).
        self.booleans = {k for k, s in properties.items() if s.get("type") == "boolean"}
        self.enums = {
            k: list(s["enum"])
            for k, s in properties.items()
            if isinstance(s.get("enum"), list) and all(isinstance(v, str) for v in s["enum"])
        }
        self.known = frozenset(properties)
        self.renames = Renames(properties, identifier_values)  # MIC204's
        self.closed = schema.get("additionalProperties", True) is False
        self.broken = False  # the last line with text did not parse and was not split

    def record(self, text: str, record: dict[str, Any]) -> str | None:
        """One record's text with MIC202, MIC203 and MIC204 fixed; None if none applies.
        `text` is one JSON object, which parsed as `record`."""
        edits = self.plan(text, record)
        return None if edits is None else edits.apply(text)

    def plan(self, text: str, record: dict[str, Any], shallow: bool | None = None) -> Edits | None:
        """The edits of `record`, proven and counted; None if none applies (see proven
        for `shallow`)."""
        untrimmed = self._untrimmed(record)
        wanted = self._wanted(record, untrimmed)
        if not wanted:
            return None  # most lines: no need to find where their keys are
        if self.guard is not None and self.guard.guarded(record):
            return None
        edits = Edits()
        # Only the keys a fix may touch: for any other, the steps below change nothing.
        for key, start, end in places(text, wanted):
            colon = _COLON.match(text, end)
            if colon is None:
                continue
            edits.key_start = start
            name = self._rename(key, start, end, record, edits)
            if key in untrimmed:
                self._trim(text, colon.end(), key, name, record[key], edits)
            elif name == key:
                self._fix_value(text, colon.end(), key, record[key], edits)
            # A renamed key's value is checked as that key's on the next run, which reports
            # what it finds (docs/fixing.md): a fix here would be of no diagnostic shown.
        if not edits.spans:
            return None
        if not proven(text, edits, shallow):
            return None
        fixed = self.fixed
        for code in edits.codes:
            fixed[code] += 1
        self.last_plan = edits  # what fixmarks.py reads of where its edits are
        return edits

    def retyped(self, body: bytes, text: str | None, wrong: Retyped) -> dict[str, int]:
        """`plan`'s fixes, by code, of a line whose only findings are MIC202s on the
        identifiers `wrong` (fastloop.py's loose path), without parsing it again (`text`:
        `body` decoded, if the caller has it): the quotes around those that are integers,
        and no other (a rename, a recase or a trim would have had a finding of its own).
        tests/test_fix_decision.py holds it to `plan`."""
        self.broken, self.retyped_keys = False, []
        if WRONG_TYPE not in self.looking:
            return {}
        values = {}
        # What the steps below would find, known without them (`known`): without a
        # backslash, a key quoted once in the text is that key (`places`), a colon follows,
        # an int's literal is an integer whole, which its quoted digits stand for, and a
        # shallow text proves its edits where they are (counted in the bytes: all ASCII).
        known = WRONG_TYPE in self.fixing and BACKSLASH not in body and is_shallow(body)
        for key, value, _ in wrong:
            if key in self.string_fields and type(value) in (int, float):
                values[key] = value
                # Not 0: its literal may be -0, which `str` does not write.
                once = type(value) is int and value > 0 and body.count(self.quoted[key]) == 1
                known = known and once
        if not values:
            return {}
        if known:
            for key, value in values.items():  # not a comprehension: a call (Python 3.11)
                told = self.quotable.get((key, value))  # a call less where remembered
                if told if told is not None else self._quotable(key, value):
                    self.retyped_keys.append(key)
            return {WRONG_TYPE: len(self.retyped_keys)} if self.retyped_keys else {}
        if text is None:
            text = body.decode("utf-8")
        edits = Edits()
        for key, _, end in places(text, list(values)):
            colon = _COLON.match(text, end)
            if colon is not None:
                self._fix_value(text, colon.end(), key, values[key], edits)
        if not edits.spans or not proven(text, edits):
            return {}
        self.retyped_keys = list(edits.becomes)
        return Counter(edits.codes)

    def _quotable(self, key: str, digits: str | int) -> bool:
        """Whether `digits` (an int's, if one), quoted, is a value of `key` no enabled value
        rule reports (remembered: an export's every line may repeat one int compartment_id)."""
        told = self.quotable.get((key, digits))
        if told is None:
            fields, rules, record = self.field_map, self.value_rules, {key: str(digits)}
            told = not (fields and rules and next(broken_value_rules(rules, fields, record), 0))
            if len(self.quotable) >= 1024:
                self.quotable.clear()
            self.quotable[key, digits] = told
        return told

    def _rename(self, key: str, start: int, end: int, record: dict[str, Any], edits: Edits) -> str:
        """MIC204: the name `key` gets, the one known key close to it if there is one (in
        `edits.planned` when only --unsafe-fixes would give it)."""
        if UNKNOWN not in self.looking or not self.closed or key in self.known:
            return key
        taken = {name for name, _ in edits.becomes.values()} | edits.planned
        meant = self.renames.target(key, record, taken)
        if meant is None:
            return key
        if UNKNOWN not in self.fixing:
            self.hidden[UNKNOWN] += 1
            edits.planned.add(meant)
            return meant
        edits.add(UNKNOWN, start, end, json_string(meant), key, meant)
        edits.becomes[key] = (meant, KEPT)
        return meant

    def _fix_value(self, text: str, at: int, key: str, value: Any, edits: Edits) -> None:
        """MIC202 or MIC203 for the value at `at`, of `key`."""
        if (
            WRONG_TYPE in self.looking
            and key in self.string_fields
            and type(value) in (int, float)  # past 64 bits, orjson made it a float
        ):
            literal = _INTEGER.match(text, at)
            if (
                literal is not None
                and WRONG_TYPE in self.fixing
                and not (literal.group(2) and float_rounded(literal.group(1)))
                and self._quotable(key, literal.group(1))
            ):
                digits, before = literal.group(1), value if literal.group(2) else INTEGER_VALUE
                edits.add(WRONG_TYPE, at, literal.end(), f'"{digits}"', before, digits)
                edits.becomes[key] = (key, digits)
        elif key in self.booleans and (spelt := spelt_boolean(value)) is not None:
            token = _STRING.match(text, at)
            if token is not None and WRONG_TYPE in self.fixing:  # and so looked for
                edits.add(WRONG_TYPE, at, token.end(), value.lower(), value, spelt)
                edits.becomes[key] = (key, spelt)
        elif (
            INVALID_VALUE in self.looking
            and key in self.enums
            and isinstance(value, str)
            and value not in self.enums[key]
        ):
            matches = [v for v in self.enums[key] if v.casefold() == value.strip().casefold()]
            token = _STRING.match(text, at)
            if len(matches) == 1 and token is not None:
                if INVALID_VALUE in self.fixing:
                    replacement = json_string(matches[0])
                    edits.add(INVALID_VALUE, at, token.end(), replacement, value, matches[0])
                    edits.becomes[key] = (key, matches[0])
                else:
                    self.hidden[INVALID_VALUE] += 1

    def _untrimmed(self, record: dict[str, Any]) -> set[str]:
        """The top-level identifiers with whitespace around them (MIC307)."""
        if self.identifier_values is None:
            return set()
        bad = identifiers.IDENTIFIER_WHITESPACE.bad
        assert bad is not None
        return {
            path
            for path, _, _, value in self.identifier_values(record)
            if isinstance(path, str) and bad(value)
        }

    def _trim(self, text: str, at: int, key: str, name: str, value: str, edits: Edits) -> None:
        """MIC307: the identifier at `at` without the whitespace around it."""
        token = _STRING.match(text, at)
        trimmed = trimming.trimmed(value)
        if token is None or not trimmed:  # invisible characters only: no id to keep
            return
        if WHITESPACE not in self.fixing:
            self.hidden[WHITESPACE] += 1
            return
        edits.add(WHITESPACE, at, token.end(), json_string(trimmed), value, trimmed)
        edits.becomes[key] = (name, trimmed)

    def _wanted(self, record: dict[str, Any], untrimmed: set[str]) -> list[str]:
        """The keys a fix may touch (every line with a diagnostic asks: one loop, no call
        a key)."""
        known, strings, enums = self.known, self.string_fields, self.enums
        rename = self.closed and UNKNOWN in self.looking
        retype = WRONG_TYPE in self.looking
        recase = INVALID_VALUE in self.looking
        wanted = []
        for key, value in record.items():
            if key in untrimmed:
                wanted.append(key)
            elif key not in known:
                if rename:
                    wanted.append(key)
            elif key in strings:
                if retype and type(value) in (int, float):
                    wanted.append(key)
            elif key in self.booleans:
                if retype and spelt_boolean(value) is not None:
                    wanted.append(key)
            elif recase and key in enums and value not in enums[key]:
                wanted.append(key)
        return wanted
