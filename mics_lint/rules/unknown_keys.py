"""MIC204's messages: a key the schema does not take, and what to do with it (rename it to
the known key it is close to, move the line to the import it belongs to, or remove it)."""

from __future__ import annotations

import functools

from mics_lint.jsontext import shorten
from mics_lint.registry import ROLES
from mics_lint.rules.identifiers import other_identifier
from mics_lint.suggest import beginnings, closest, did_you_mean


def tool_key_message(key: str, tool: str) -> str:
    """MIC204's message for an export tool's key (tool_key)."""
    return (
        f"unknown field {shorten(key)}: {tool}, no data of the import: leave it out "
        f"(jq -c 'del(.[{shorten(key)}])')"
    )


# A systematic mistake (a misspelt key on every line) asks the same message each time.
@functools.lru_cache(maxsize=4096)
def unknown_key_message(
    key: str,
    known: tuple[str, ...],
    show_values: bool,
    suggest: bool,
    top_level: bool = True,
    keys: tuple[str, ...] = (),  # the record's known ones
) -> str:
    """MIC204's message; at the top level, a field of another import is named as such (in
    a nested object, it is no sign of a misplaced line), and the line is to move there, or
    the field to go when the line holds one that import has not (`user_choice`)."""
    from mics_lint.doctypes import DOC_TYPES, foreign_field, other_type_with

    meant = closest(key, known) if suggest else None
    if top_level and meant is not None and foreign_field(key, meant, frozenset(known)):
        meant = None
    shown = shorten(key, 40, show_values)  # masked, then cut
    if meant is not None and meant in keys:  # renamed, the line would hold it twice
        return (
            f"unknown field {shown}: {shorten(meant)} is already on this line: remove "
            f"{shown} (check which of the two values you meant)"
        )
    if meant is not None:
        other = other_identifier(meant, keys)
        tail = f" (but this line names its user by {other}: one identifier a line)" * bool(other)
        return f"unknown field {shown}{did_you_mean(key, [meant])}{tail}"
    if suggest and len(beginnings(key, known)) > 1:  # `expiration`: both named
        return f"unknown field {shown}{did_you_mean(key, known)}"
    owner = other_type_with(key, frozenset(known)) if top_level else None
    if owner is not None:
        from mics_lint.rules.structure import import_file

        # In the schema's order, not the line's: a line's keys in another order get the
        # same message (laxpath.py tells lines of one set of keys alike).
        own = [k for k in known if k in keys and k not in owner.keys and k != key]
        own.sort(key=lambda k: not any(k in t.markers for t in DOC_TYPES.values()))
        if own:
            return (
                f"unknown field {shown}: it is a field of {owner.short_name} imports, not of "
                f"this type (this line's {own[0]} is not theirs): remove it (the known fields "
                f"are {', '.join(known)})"
            )
        return (
            f"unknown field {shown}: it is a field of {owner.short_name} imports, not of this "
            f"type: move the line to {import_file(owner.short_name)}, or remove the field "
            f"(the known fields are {', '.join(known)})"
        )
    # Said for a DELETE too, which carries no data (MIC404): the message depends on the
    # keys alone (laxpath.py remembers it by them). Not where no identifier names the user:
    # the key may be the one meant (`user_id`), which MIC301 says how to write.
    named = not {*ROLES[1:4], "user_profile"}.isdisjoint(keys)  # an account, a hash, an agent
    tail = ""
    if "user_profile" in known and named:
        tail = "; custom data goes inside an UPSERT's user_profile (a DELETE carries none)"
    return f"unknown field {shown}: the known fields are {', '.join(known)}{tail}"


def other_form_message(key: str, form: str, checked: object) -> str:
    """A key of the other form of a type with forms (profiles: force_replace, update_strategy)."""
    return (
        f'unknown field "{key}" in the {checked} form of this import: it belongs to the '
        f'{form} form; to check that form, set profile-form = "{form}" (or "either") in the '
        "config, or pass --profile-form"
    )
