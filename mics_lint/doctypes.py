"""Document types: which schema and which record rules apply to a file.

Adding a type (activities, segments, ...) means adding its schema to `schemas/`, a rules
module with its families, and an entry here; the engine reads only this description.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mics_lint.registry import Family, FastCheck, FastCheckMaker, FieldMap, FileState, Rule
from mics_lint.rules import (
    REGISTRY,
    activities,
    choices,
    crossline,
    deletion_identifiers,
    deletions,
    framing,
    identifiers,
    operations,
    segments,
    structure,
    syntax,
)
from mics_lint.rules.crossline import Users
from mics_lint.startup import Fields

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder  # msgspec: imported only when a file needs it


class DocType(Fields):
    """One document type: its schema, its rules, its identifier values, its fast check.

    A NamedTuple (`_replace` makes a variant), frozen as a frozen dataclass is: making the
    dataclass cost every start-up about a millisecond (issue 14)."""

    name: str  # the platform's document_type
    short_name: str
    schema_file: str
    #: Where its record rules come from, in the order they run on every parsed record: a
    #: family stands for its rules with a record check, as they are when a file starts
    #: (so a rule declared at run time is run too).
    rule_sources: tuple[Family | Rule, ...]
    #: The identifier values of a record, with their roles: what value rules read.
    identifier_values: FieldMap
    # Makes the fast check for one file, given the selected codes, MIC501's table, the
    # decoder (whose `patterns` and `objects` the check must verify) and the file's state
    # (its profile form...).
    fast_check: (
        Callable[[frozenset[str], Users | None, "FastDecoder", FileState], FastCheck] | None
    ) = None
    #: The fast decoder refuses top-level keys the schema does not name, even where the
    #: schema allows them (fastpath.struct_decoder's `closed`).
    fast_closed: bool = False
    #: (field, stand-in) pairs: top-level fields the fast path also takes with a value of
    #: the wrong type (an id written as a number, the systematic mistake of a whole
    #: export), putting the stand-in in its place before the fast check (linter.py,
    #: loosepath.py). Only fields no rule reads but through `isinstance(value, str)`.
    fast_loose: tuple[tuple[str, str], ...] = ()
    #: A line refused only for keys the schema does not name is answered by the fast
    #: check and MIC204 (laxpath.py). Only for a type none of whose record rules reads a
    #: key its schema does not name (MIC207 aside, which laxpath.py asks itself).
    fast_lax: bool = False
    #: Top-level keys no other type has: a record holding one is of this type.
    markers: frozenset[str] = frozenset()
    #: Every top-level key the type defines (a record with others is not of this type).
    keys: frozenset[str] = frozenset()
    #: The codes the fast check vouches for (it also calls every value rule's screen): a
    #: file takes the fast path only when every enabled rule its lines may break is here.
    fast_covers: frozenset[str] = frozenset()
    #: Lines of a wrong shape (a bare identifier in an association file) and the rule
    #: that reports them: such a line gets that rule's findings and no other of its
    #: record, as a line of another type gets MIC207's only (linecheck.py).
    misshapen: tuple[Callable[[dict[str, object]], bool], Rule] | None = None

    @property
    def record_rules(self) -> tuple[Rule, ...]:
        """The record rules, in the order they run."""
        found: list[Rule] = []
        for source in self.rule_sources:
            if isinstance(source, Family):
                found.extend(r for r in source.rules if r.check is not None)
            else:
                found.append(source)
        return tuple(found)

    @property
    def line_codes(self) -> frozenset[str]:
        """Every code a line of this type that parses may get (the file-level and framing
        codes aside, which the engine decides before any check runs)."""
        return frozenset(
            {r.code for r in self.record_rules}
            | REGISTRY.value_codes
            | {r.code for r in (*syntax.FAMILY.rules, *structure.FAMILY.rules)}
            | {framing.INVALID_UTF8.code}
        )

    def fast_uncovered(self, enabled: frozenset[str]) -> frozenset[str]:
        """The enabled codes its fast check does not vouch for: any, and no fast path."""
        if self.fast_check is None:
            return self.line_codes & enabled
        return (self.line_codes & enabled) - self.fast_covers - REGISTRY.value_codes


# What each type's fast check vouches for: the codes no line it passes can break. Written
# out, here rather than beside the checks (rules/fast_checks.py, rules/profile_fast.py): the
# engine reads them for every file, where the checks are imported only when a file takes the
# fast path (`_made_in`). A rule added to a family is not covered until its type's check
# tests it and its code is added here (the engine then takes the full checks). Every check
# also calls the screens of all value rules on the identifier values it reads.
#: What every fast check vouches for: the line decoded into the schema's Struct (MIC101,
#: MIC102, MIC105, MIC106, MIC201 to MIC204, MIC207), and what the check tests on the raw
#: line or inline (MIC001, MIC103, MIC104, the `\\S` pattern of MIC205, MIC206).
BASE_COVERS = frozenset(
    {"MIC001", "MIC101", "MIC102", "MIC103", "MIC104", "MIC105", "MIC106"}
    | {f"MIC20{n}" for n in range(1, 8)}
)
#: The identifier rules with a record check (MIC305 and MIC307 are value rules).
IDENTIFIER_COVERS = frozenset({"MIC301", "MIC302", "MIC303", "MIC304", "MIC306"})
#: profile_fast.py's check, besides every value rule (whose screens it calls).
PROFILE_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC40{n}" for n in range(1, 8)} | {"MIC501"}
SEGMENT_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC70{n}" for n in range(1, 7)}
CHOICE_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC80{n}" for n in range(1, 6)}
DELETION_COVERS = BASE_COVERS | {"MIC306", "MIC901", "MIC902", "MIC903"}
IDENTIFIERS_DELETION_COVERS = DELETION_COVERS | {"MIC904"}
POINTS_DELETION_COVERS = DELETION_COVERS | {"MIC905"}
# MIC908 fires only on a line without `identifiers`, which the decoder refuses.
ASSOCIATION_COVERS = DELETION_COVERS | {"MIC906", "MIC907", "MIC908"}
#: activity_fast.py's check.
ACTIVITY_COVERS = BASE_COVERS | IDENTIFIER_COVERS | {f"MIC60{n}" for n in range(1, 6)}


def _made_in(module: str, name: str) -> FastCheckMaker:
    """The fast check maker `name` of rules/`module`.py, imported when a file first takes the
    fast path: a small file never does, and the fast checks' modules cost every start-up
    (issue 14). A maker is called once a file (or a chunk): the import is looked up then."""

    def make(enabled: frozenset[str], users: Any, decoder: Any, state: FileState) -> FastCheck:
        found: FastCheckMaker = getattr(importlib.import_module(f"mics_lint.rules.{module}"), name)
        return found(enabled, users, decoder, state)

    make.__qualname__ = make.__name__ = name
    return make


USER_PROFILE = DocType(
    name="USER_PROFILE",
    short_name="profile",
    schema_file="user_profile_import.schema.json",
    rule_sources=(structure.FAMILY, identifiers.FAMILY, operations.FAMILY, crossline.FAMILY),
    identifier_values=identifiers.top_level_values,
    fast_check=_made_in("profile_fast", "make_check"),
    fast_covers=PROFILE_COVERS,
    fast_loose=identifiers.STAND_INS,
    fast_lax=True,
    # Both profile forms' keys: a file's form is a setting (profile-form), not a type.
    markers=frozenset({"user_profile", "merge_objects", "update_strategy"}),
    keys=frozenset(
        {
            "operation",
            "compartment_id",
            "user_account_id",
            "email_hash",
            "user_agent_id",
            "force_replace",
            "merge_objects",
            "update_strategy",
            "user_profile",
        }
    ),
)

_IDENTIFIER_KEYS = ("compartment_id", "user_account_id", "email_hash", "user_agent_id")

USER_SEGMENT = DocType(
    name="USER_SEGMENT",
    short_name="segment",
    schema_file="user_segment_import.schema.json",
    rule_sources=(structure.FAMILY, identifiers.FAMILY, segments.FAMILY),
    identifier_values=identifiers.top_level_values,
    fast_check=_made_in("fast_checks", "segment_check"),
    fast_covers=SEGMENT_COVERS,
    fast_loose=identifiers.STAND_INS,
    markers=frozenset({*segments.SEGMENT_KEYS, *segments.EXPIRATION_KEYS, "data_bag"}),
    keys=frozenset(
        {
            "operation",
            *_IDENTIFIER_KEYS,
            *segments.SEGMENT_KEYS,
            *segments.EXPIRATION_KEYS,
            "data_bag",
        }
    ),
)

USER_CHOICE = DocType(
    name="USER_CHOICE",
    short_name="choice",
    schema_file="user_choice_import.schema.json",
    rule_sources=(structure.FAMILY, identifiers.FAMILY, choices.FAMILY),
    identifier_values=identifiers.top_level_values,
    fast_check=_made_in("fast_checks", "choice_check"),
    fast_covers=CHOICE_COVERS,
    fast_loose=identifiers.STAND_INS,
    markers=frozenset({"user_choice"}),
    keys=frozenset({"operation", *_IDENTIFIER_KEYS, "force_replace", "user_choice"}),
)

_DELETION_MARKERS = frozenset({"type", "hash"})
_DELETION_KEYS = frozenset({"type", *deletions.FIELDS, "email_hash"})
_DELETION_RULES = (
    deletions.MISSING_FIELD,
    deletions.FIELD_OF_ANOTHER_TYPE,
    deletions.EMAIL_HASH_KEY,
    deletion_identifiers.MALFORMED_USER_AGENT_IDS,
)
_DEVICE_RULES = (*_DELETION_RULES[:-1], deletion_identifiers.MALFORMED_DEVICE_IDS)  # no e-mail

USER_IDENTIFIERS_DELETION = DocType(
    name="USER_IDENTIFIERS_DELETION",
    short_name="identifiers-deletion",
    schema_file="user_identifiers_deletion.schema.json",
    rule_sources=(structure.FAMILY, *_DELETION_RULES, deletions.DEVICE_POINT),
    identifier_values=deletions.identifier_values,
    fast_check=_made_in("fast_checks", "identifiers_deletion_check"),
    fast_covers=IDENTIFIERS_DELETION_COVERS,
    markers=_DELETION_MARKERS,
    keys=_DELETION_KEYS,
)

USER_DEVICE_POINTS_DELETION = DocType(
    name="USER_DEVICE_POINTS_DELETION",
    short_name="device-points-deletion",
    schema_file="user_device_points_deletion.schema.json",
    rule_sources=(structure.FAMILY, *_DEVICE_RULES),
    identifier_values=deletions.identifier_values,
    fast_check=_made_in("fast_checks", "points_deletion_check"),
    fast_covers=DELETION_COVERS,
    markers=_DELETION_MARKERS,
    keys=_DELETION_KEYS,
)

USER_POINTS_DELETION = DocType(
    name="USER_POINTS_DELETION",
    short_name="user-points-deletion",
    schema_file="user_points_deletion.schema.json",
    rule_sources=(structure.FAMILY, *_DELETION_RULES, deletions.USER_POINT_ID),
    identifier_values=deletions.identifier_values,
    fast_check=_made_in("fast_checks", "points_deletion_check"),
    fast_covers=POINTS_DELETION_COVERS,
    markers=_DELETION_MARKERS | {"user_point_id"},
    keys=_DELETION_KEYS,
)

USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS = DocType(
    name="USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS",
    short_name="association",
    schema_file="user_identifiers_association.schema.json",
    rule_sources=(
        structure.FAMILY,
        *_DELETION_RULES,
        deletions.SINGLE_IDENTIFIER,
        deletions.REPEATED_IDENTIFIER,
        deletions.MISSING_WRAPPER,
    ),
    identifier_values=deletions.identifier_values,
    fast_check=_made_in("fast_checks", "association_check"),
    fast_covers=ASSOCIATION_COVERS,
    misshapen=(deletions.bare_identifier, deletions.MISSING_WRAPPER),
    markers=frozenset({"identifiers"}),
    keys=frozenset({"identifiers"}),
)

USER_ACTIVITY = DocType(
    name="USER_ACTIVITY",
    short_name="activity",
    schema_file="user_activity.schema.json",
    rule_sources=(structure.FAMILY, *activities.CORE_VARIANTS, activities.FAMILY),
    identifier_values=activities.identifier_values,
    # Custom keys are allowed at the root: the fast decoder refuses them (such lines take
    # the full checks), so that the check can count every top-level key (MIC103).
    fast_check=_made_in("activity_fast", "activity_check"),
    fast_covers=ACTIVITY_COVERS,
    fast_closed=True,
    # `$` keys no other type has at its root; the identifiers are left out, as a profile
    # line may carry a misplaced `$user_account_id`.
    markers=frozenset({"$events", "$session_status", "$type", "$ts", "$user_identifiers"}),
    # Custom keys are allowed at the root: no key says a record is not an activity.
    keys=frozenset(),
)

DOC_TYPES: dict[str, DocType] = {
    t.name: t
    for t in (
        USER_PROFILE,
        USER_SEGMENT,
        USER_CHOICE,
        USER_IDENTIFIERS_DELETION,
        USER_DEVICE_POINTS_DELETION,
        USER_POINTS_DELETION,
        USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS,
        USER_ACTIVITY,
    )
}
DEFAULT_DOC_TYPE = USER_PROFILE.name
#: How the types may be named: the platform's enum, or the short name, in any case.
NAMES = sorted([*DOC_TYPES, *(t.short_name for t in DOC_TYPES.values())])


#: Other spellings of a platform name: the device points deletion page's curl example writes
#: the type in the singular (the reference's open question 12.2), which is taken as the same.
ALIASES = {"USER_DEVICE_POINT_DELETION": USER_DEVICE_POINTS_DELETION.name}


def find(name: str) -> DocType | None:
    """A document type by its platform name (USER_SEGMENT) or short name (segment), any case."""
    wanted = name.strip()
    wanted = ALIASES.get(wanted.upper(), wanted)
    for doc_type in DOC_TYPES.values():
        if wanted.upper() == doc_type.name or wanted.lower() == doc_type.short_name:
            return doc_type
    return None


def foreign_field(key: str, meant: str, known: set[str] | frozenset[str]) -> bool:
    """Whether the unknown `key`, close to the known key `meant` by its letters, is rather a
    field of another import (`segment_id` in a profile line is no misspelt `user_agent_id`):
    then MIC204 names that import and --fix renames nothing. The same field written for
    another import (`$user_agent_id` for `user_agent_id`) is still a slip of this one."""
    if key.removeprefix("$").lower() == meant.removeprefix("$").lower():
        return False
    return other_type_with(key, known) is not None


def other_type_with(key: str, known: set[str] | frozenset[str]) -> DocType | None:
    """The import type of which `key`, not one of the `known` fields, is a marker (a field
    no other type has: `segment_id`, `user_profile`, `user_point_id`...)."""
    if key in known:
        return None
    return next((t for t in DOC_TYPES.values() if key in t.markers), None)


class DocTypeError(Exception):
    """A file whose document type cannot be told from its first records."""


#: Records looked at to tell a file's type (the first ones that parse as objects).
DETECT_RECORDS = 50


def first_records(head: bytes) -> list[dict[str, object]]:
    """The records that begin in `head` (a file's first bytes), up to DETECT_RECORDS. An
    export written as a JSON array is read alike, so that its type (and `--fix`'s) is
    told right: a line of one element of a dumped array (`{...},`, `[{...},`, `{...}]`),
    and, where more of them than lines holding a record alone, the whole elements of a
    pretty-printed array or the objects that begin in `head` (MIC007's shapes)."""
    import orjson

    from mics_lint.reading import as_utf8

    records, whole = [], True
    head = as_utf8(head)  # a UTF-16 file is MIC009's, but its type is told from its text
    for line in head.split(b"\n")[:-1]:  # the last piece may be cut: not judged
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            value = _element(line)
        if isinstance(value, dict):
            records.append(value)
            if len(records) == DETECT_RECORDS:
                return records
        whole = whole and value is not None
    spread = [] if whole else _spread_records(head)  # the docs print records so
    return spread if len(spread) > len(records) else records


def _element(line: bytes) -> object:
    """A line of a dumped array as its element, or None: the line stripped of the array's
    brackets and the comma around it."""
    import orjson

    inner = line.strip().removeprefix(b"[").removesuffix(b"]").removesuffix(b",").strip()
    if inner[:1] != b"{" or inner == line.strip():
        return None
    try:
        return orjson.loads(inner)
    except orjson.JSONDecodeError:
        return None


def _spread_records(head: bytes) -> list[dict[str, object]]:
    """The objects, each spread over lines, that a pretty-printed array (or run of objects)
    holds whole within `head`: read one after the other until one is cut off."""
    import json

    # Not strict: the head may end inside a character (a record cut there is dropped).
    text = head.decode("utf-8", "ignore").removeprefix("\ufeff")
    decoder = json.JSONDecoder()
    records: list[dict[str, object]] = []
    at = 0
    while len(records) < DETECT_RECORDS:
        while at < len(text) and text[at] in " \t\r\n,[":
            at += 1
        if text[at : at + 1] != "{":
            break
        try:
            value, at = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):
            break
        records.append(value)
    return records
