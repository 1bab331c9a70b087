"""A file's document type with the MIC25x rules added, when a datamart schema applies.

Kept out of the base types, so that a file without a schema keeps its fast path and its
rules exactly as before; with one, the rules join the type's record rules and its fast
check covers their codes (fast.py).
"""

from __future__ import annotations

from typing import Any

from mics_lint.datamart import fast, sdl
from mics_lint.datamart.rules import FAMILY, STATE
from mics_lint.doctypes import USER_ACTIVITY, USER_PROFILE, DocType

ROLES = {USER_PROFILE.name: "profile", USER_ACTIVITY.name: "activity"}


def attach(
    doc_type: DocType, schema_path: str | None, enabled: frozenset[str], state: dict[str, Any]
) -> DocType:
    """`doc_type` with the datamart rules, their state in `state`; unchanged when no
    schema applies, the type has no schema object (segments...) or the schema does not
    declare it (no `profiles` on the root, say)."""
    role = ROLES.get(doc_type.name)
    if schema_path is None or role is None:
        return doc_type
    datamart = sdl.load(schema_path)
    if (datamart.profile if role == "profile" else datamart.activity) is None:
        return doc_type
    state[STATE] = (datamart, role, enabled)
    base = doc_type.fast_check
    return doc_type._replace(
        rule_sources=(*doc_type.rule_sources, FAMILY),
        fast_check=None if base is None else fast.wrap(base, datamart, role),
        fast_covers=doc_type.fast_covers | fast.CODES,
    )
