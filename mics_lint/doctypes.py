"""Document types: which schema and which record rules apply to a file.

Adding a type (activities, segments, ...) means adding its schema to `schemas/`, a rules
module with its families, and an entry here; the engine reads only this description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mics_lint.registry import Family, FastCheck, Rule
from mics_lint.rules import crossline, identifiers, operations, profile_fast, structure
from mics_lint.rules.crossline import Users

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder  # msgspec: imported only when a file needs it


@dataclass(frozen=True)
class DocType:
    name: str  # the platform's document_type
    short_name: str
    schema_file: str
    record_rules: tuple[Rule, ...]  # run in this order on every parsed record
    # Makes the fast check for one file, given the selected codes, MIC501's table and the
    # decoder (whose `patterns` and `objects` the check must verify).
    fast_check: Callable[[frozenset[str], Users | None, FastDecoder], FastCheck] | None = None


def _checked(*families: Family) -> tuple[Rule, ...]:
    """The rules of these families that have a record check (the rest the engine finds)."""
    return tuple(r for family in families for r in family.rules if r.check is not None)


USER_PROFILE = DocType(
    name="USER_PROFILE",
    short_name="profile",
    schema_file="user_profile_import.schema.json",
    record_rules=_checked(
        structure.FAMILY, identifiers.FAMILY, operations.FAMILY, crossline.FAMILY
    ),
    fast_check=profile_fast.make_check,
)

DOC_TYPES: dict[str, DocType] = {USER_PROFILE.name: USER_PROFILE}
DEFAULT_DOC_TYPE = USER_PROFILE.name
