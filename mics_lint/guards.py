"""The guard rules of a record: it belongs to another import (MIC207), or it is its type's
wrong shape (`DocType.misshapen`: MIC908, an association's bare identifier), or any type's:
a whole table in one object, as pandas writes a DataFrame (MIC105, rules/tables.py), or a
command inside another object (MIC106, rules/envelopes.py).

A guarded line gets that rule's diagnostic alone (linecheck.py): this type's other checks
would only add noise. The fixer (fix_records.py) leaves its records as they are: this
type's fixes would be wrong for the line's own (`$user_agent_id` renamed `user_agent_id`
in a line to move to an activity file), and an association's bare identifiers keep the
commas that group them. One test for both, so that a `[*]` mark promises what `--fix` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from mics_lint.doctypes import DOC_TYPES, DocType
from mics_lint.registry import Rule
from mics_lint.rules.deletions import NEEDS
from mics_lint.rules.envelopes import COMMAND_IN_ENVELOPE, Own, envelope
from mics_lint.rules.structure import OTHER_DOCUMENT_TYPE
from mics_lint.rules.tables import TABLE_IN_ONE_OBJECT, table
from mics_lint.rules.tool_keys import without_tool_keys

# Any type's wrong shapes, each rule with its test, asked in turn: a whole table in one
# object (MIC105), a command inside another object or a batch in one (MIC106). A test is
# also given the type's own wrong shape's test (`Own`), which no envelope holds.
_ANY_TYPE: tuple[tuple[Rule, Callable[[dict[str, Any], Own], object]], ...] = (
    (TABLE_IN_ONE_OBJECT, lambda record, own: table(record)),
    (COMMAND_IN_ENVELOPE, envelope),
)


class Guard:
    """The guard rules of one file's type, for its rule selection."""

    def __init__(self, doc_type: DocType, enabled: frozenset[str]) -> None:
        self.doc_type = doc_type
        self.other_type = OTHER_DOCUMENT_TYPE.code in enabled
        misshapen = doc_type.misshapen
        self.misshapen = (
            misshapen if misshapen is not None and misshapen[1].code in enabled else None
        )
        self.by_keys: dict[tuple[str, ...], bool] = {}  # see `guarded_by_keys`
        self.any_type = tuple((rule, test) for rule, test in _ANY_TYPE if rule.code in enabled)
        self.own: Own = misshapen[0] if misshapen is not None else None
        self.shapes = self.misshapen is not None or bool(self.any_type)  # asked at all

    def other(self, record: dict[str, Any]) -> tuple[DocType, ...]:
        """The other types a record belongs to (doctypes.looks_like), when MIC207 runs. A
        shape several types share is the file's own type's wrong shape when its rule says
        so: a bare identifier in an association file (MIC908), not a deletion line."""
        if not self.other_type:
            return ()
        found = looks_like(record, self.doc_type)
        shape = self.doc_type.misshapen  # whether its rule runs or not (decisions.md)
        if len(found) > 1 and shape is not None and shape[0](record):
            return ()
        return found

    def misshapen_rule(self, record: dict[str, Any]) -> Rule | None:
        """The rule for a wrong shape, any type's (`_ANY_TYPE`) or the type's own, when the
        record has it and the rule runs. Any type's first: such a line may hold a key the
        type's own test reads (a Singer record's `type` around an association's command,
        which is no bare identifier); a line of the type's own shape is none of them."""
        for rule, test in self.any_type:
            if test(record, self.own) is not None:
                return rule
        misshapen = self.misshapen
        return misshapen[1] if misshapen is not None and misshapen[0](record) else None

    def guarded(self, record: dict[str, Any]) -> bool:
        return bool(self.other(record)) or self.misshapen_rule(record) is not None

    def guarded_by_keys(self, record: dict[str, Any], keys: tuple[str, ...]) -> bool:
        """`guarded`, remembered by the record's `keys` (in order) where they alone decide
        it: a type without a wrong shape, and a record that holds no marker of several
        other types (whose schemas `looks_like` asks of its values). For a line of an
        export that repeats its keys (laxpath.py)."""
        known = self.by_keys.get(keys)
        if known is None:
            known = self.guarded(record)
            marked = _marked_by(set(keys), self.doc_type)  # `$type`'s value decides too
            if self.doc_type.misshapen is None and len(marked) < 2 and "$type" not in keys:
                if len(self.by_keys) >= 1024:
                    self.by_keys.clear()
                self.by_keys[keys] = known
        return known

    def clear_by_keys(self, keys: tuple[str, ...]) -> bool:
        """Whether `guarded_by_keys` remembers records of these keys as guarded by no rule."""
        return self.by_keys.get(keys) is False

    def wrapper_lost(self, values: list[Any]) -> bool:
        """Whether a line's JSON array holds an item of the type's wrong shape (an
        association's identifiers listed without `{"identifiers": ...}` around them), its
        rule run or not: the array groups one user's identifiers, which one line per item
        would part."""
        shape = self.doc_type.misshapen
        return shape is not None and any(type(v) is dict and shape[0](v) for v in values)

    def item(self, body: bytes) -> dict[str, Any] | None:
        """A line of the type's wrong shape followed by a comma (`{"type": ...},`, the
        association example's items without their wrapper): its record, which its rule
        reports, since the comma is the lost wrapper's; else None."""
        if self.misshapen is None:
            return None
        trimmed = body.rstrip(b" \t")
        if not trimmed.endswith(b","):
            return None
        try:
            record = orjson.loads(trimmed[:-1])
        except orjson.JSONDecodeError:
            return None
        return record if isinstance(record, dict) and self.misshapen[0](record) else None


def looks_like(record: dict[str, object], doc_type: DocType) -> tuple[DocType, ...]:
    """The other types a record plainly belongs to (none when it may be of `doc_type`): it
    holds no marker of `doc_type` and keys `doc_type` does not define, and markers of one
    other type; or markers several types share (a deletion's `type`) and only keys of
    theirs, with a `type` their schemas take (`{"type":"USER_EMAIL","hash":...}` in a
    profile file is a line of an identifiers or user points deletion)."""
    keys = set(without_tool_keys(record))  # Json.NET's `$type` marks no activity
    # Nor does an identifier's, as `$user_identifiers` spells it (`"$type":"USER_AGENT"`).
    if type(record.get("$type")) is str and record["$type"] in NEEDS:
        keys.discard("$type")
    others = _marked_by(keys, doc_type)
    if len(others) > 1:
        from mics_lint.schema import takes_type  # a line of another type only: seldom

        others = [t for t in others if keys <= t.keys and takes_type(t.schema_file, record)]
    return tuple(others)


def _marked_by(keys: set[str], doc_type: DocType) -> list[DocType]:
    """The other types whose markers a record of `keys` holds (none when it may be of
    `doc_type`: see `looks_like`)."""
    if keys & doc_type.markers or (doc_type.keys and keys <= doc_type.keys):
        return []
    return [t for t in DOC_TYPES.values() if t is not doc_type and keys & t.markers]
