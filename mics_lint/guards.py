"""The guard rules of a record: it belongs to another import (MIC207), or it is its type's
wrong shape (`DocType.misshapen`: MIC908, an association's bare identifier).

A guarded line gets that rule's diagnostic alone (linecheck.py): this type's other checks
would only add noise. The fixer (fix_records.py) leaves its records as they are: this
type's fixes would be wrong for the line's own (`$user_agent_id` renamed `user_agent_id`
in a line to move to an activity file), and an association's bare identifiers keep the
commas that group them. One test for both, so that a `[*]` mark promises what `--fix` does.
"""

from __future__ import annotations

from typing import Any

import orjson

from mics_lint.doctypes import DocType, looks_like
from mics_lint.registry import Rule
from mics_lint.rules.structure import OTHER_DOCUMENT_TYPE


class Guard:
    """The guard rules of one file's type, for its rule selection."""

    def __init__(self, doc_type: DocType, enabled: frozenset[str]) -> None:
        self.doc_type = doc_type
        self.other_type = OTHER_DOCUMENT_TYPE.code in enabled
        misshapen = doc_type.misshapen
        self.misshapen = (
            misshapen if misshapen is not None and misshapen[1].code in enabled else None
        )

    def other(self, record: dict[str, Any]) -> DocType | None:
        """The other type a record belongs to, when MIC207 runs."""
        return looks_like(record, self.doc_type) if self.other_type else None

    def misshapen_rule(self, record: dict[str, Any]) -> Rule | None:
        """The type's rule for its wrong shape, when the record has it and the rule runs."""
        misshapen = self.misshapen
        return misshapen[1] if misshapen is not None and misshapen[0](record) else None

    def guarded(self, record: dict[str, Any]) -> bool:
        return self.other(record) is not None or self.misshapen_rule(record) is not None

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
