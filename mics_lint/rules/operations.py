"""MIC4xx: what a user-profile UPSERT or DELETE needs, and what it ignores.

None of these run when `operation` is missing or not a valid value: MIC201 or MIC203 already
says so, and guessing the intended operation would add noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import suggest
else:  # a missing key's near miss, on a bad line only (start-up, issue 14)
    suggest = later("mics_lint.suggest")

FAMILY = Family("MIC4", "user-profile operations")

DELETE_IGNORES = ("user_profile", "force_replace", "merge_objects")
#: Per file: the profile form its settings name (config.PROFILE_FORMS). The MIC4xx rules
#: mean what they always meant under "force_replace"; under "auto", the default, a file
#: may use either form, and FILE_FORM_STATE holds the one its first records use (or None).
PROFILE_FORM_STATE = "profile-form"
FILE_FORM_STATE = "profile-form-of-file"
OLDER, NEWER = "force_replace", "update_strategy"
_OLDER_FORM = ("force_replace", "merge_objects")
_FORM_KEYS = ("force_replace", "update_strategy")
# What a DELETE ignores, per form: the other form's keys are unknown fields (MIC204) there.
_DELETE_IGNORES_BY_FORM = {
    "force_replace": DELETE_IGNORES,
    "update_strategy": ("user_profile", "update_strategy"),
    "either": (*DELETE_IGNORES, "update_strategy"),
    "auto": (*DELETE_IGNORES, "update_strategy"),
}


def _form(ctx: LineContext) -> str:
    return str(ctx.state.get(PROFILE_FORM_STATE, "auto"))


def form_of_line(older: bool, newer: bool) -> str | None:
    """The form an UPSERT is written in, from whether it holds the older form's keys
    (force_replace, merge_objects) and the newer one's (update_strategy): None for
    neither (MIC401) or both (MIC406). The rule and the profile fast check both ask."""
    if older == newer:
        return None
    return OLDER if older else NEWER


def _line_form(record: Record) -> str | None:
    older = "force_replace" in record or "merge_objects" in record
    return form_of_line(older, "update_strategy" in record)


def form_of_file(records: Iterable[Record]) -> str | None:
    """The form of a file under profile-form "auto": the one most of its first UPSERTs
    use (`records`: the records of its first bytes, as its document type is told), the
    first one's in a tie; None when none of them uses a form. Every chunk of a file checked
    in parallel reads the same first bytes, so all agree without talking (as on the type)."""
    counts = {OLDER: 0, NEWER: 0}
    first = None
    for record in records:
        if record.get("operation") != "UPSERT":
            continue
        form = _line_form(record)
        if form is not None:
            counts[form] += 1
            first = first or form
    if counts[OLDER] == counts[NEWER]:
        return first
    return OLDER if counts[OLDER] > counts[NEWER] else NEWER


@FAMILY.rule(
    "MIC401",
    "upsert-missing-force-replace",
    Severity.ERROR,
    "UPSERT without a force_replace key",
    by_keys=True,
)
def upsert_missing_force_replace(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every UPSERT says how to apply its profile: with `force_replace` (the older
    form) or `update_strategy` (the newer one), either by default; with `force_replace`
    under `profile-form = "force_replace"`. (Pinned to `update_strategy` or `either`, the
    key is optional.) Only an absent key is reported here; one of the wrong type is MIC202.
    When the line holds a near miss of the key (`forceReplace`), the message says to rename
    it: adding the key as told would leave the misspelt one, and a `"forceReplace": true`
    followed by the advised `false` would turn a replace into a merge.

    ## Why is this bad?
    The older form requires `force_replace` on UPSERT: `true` replaces the whole stored
    profile with `user_profile`, `false` merges into it (the newer form says it with
    `update_strategy`). The two differ enormously, and the platform will not guess.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```
    """
    if record.get("operation") != "UPSERT" or "force_replace" in record:
        return
    form = _form(ctx)
    if form in ("force_replace", "auto") and "update_strategy" not in record:
        renames = suggest.near_misses(
            record, _FORM_KEYS[: 1 + (form == "auto")], suggest.keys_of("USER_PROFILE")
        )
        if renames:  # adding the key as told would leave "forceReplace": true unread
            yield Finding(f"UPSERT without {renames[0][1]}: {renames[0][0]}")
            return
    if form == "force_replace":
        yield Finding(
            'UPSERT without force_replace: add "force_replace": false to merge into the '
            "stored profile, or true to replace it"
        )
    elif form == "auto" and "update_strategy" not in record:
        # The file's own form named first; the older alone beside merge_objects (else MIC406).
        older = '"force_replace": false to merge into the stored profile (true to replace it)'
        newer = '"update_strategy": "PARTIAL_UPDATE" (or "FORCE_REPLACE" to replace it)'
        order = (newer, older) if ctx.state.get(FILE_FORM_STATE) == NEWER else (older, newer)
        told = f" or update_strategy: add {order[0]}, or {order[1]}"
        if "merge_objects" in record and order[0] is older:  # (else MIC407 tells the form)
            told = f", which merge_objects goes with: add {older}"
        yield Finding(f"UPSERT without force_replace{told}")
    # The newer form's update_strategy is optional when pinned (the docs' own example of
    # that form has none), so profile-form "update_strategy" and "either" require nothing.


UPSERT_MISSING_FORM = FAMILY.rules[-1]


@FAMILY.rule(
    "MIC402",
    "upsert-missing-user-profile",
    Severity.ERROR,
    "UPSERT without a user_profile key",
)
def upsert_missing_user_profile(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every UPSERT carries the profile to write, in a `user_profile` key. Only an
    absent key is reported here; a present key of the wrong type is MIC202. A near miss of
    the key (`userProfile`) is to be renamed, and the message says so.

    ## Why is this bad?
    An UPSERT without a profile has nothing to write, and the platform rejects it. Profile
    properties put next to `operation` instead of inside `user_profile` are the usual cause
    (MIC204 reports those keys).

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```
    """
    if record.get("operation") == "UPSERT" and "user_profile" not in record:
        renames = suggest.near_misses(record, ("user_profile",), suggest.keys_of("USER_PROFILE"))
        yield Finding(
            "UPSERT without user_profile: "
            + (renames[0][0] if renames else 'add "user_profile": {...} with the properties to ')
            + ("" if renames else "write, or use DELETE")
        )


@FAMILY.rule(
    "MIC403",
    "merge-objects-ignored",
    Severity.WARNING,
    "merge_objects is true while force_replace is true",
)
def merge_objects_ignored(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks UPSERTs that ask for `merge_objects: true` together with `force_replace: true`.
    (`merge_objects: false` is the default and is not reported.)

    ## Why is this bad?
    `merge_objects` only applies when merging (`force_replace: false`). With
    `force_replace: true` the stored profile is replaced whole and `merge_objects` is
    ignored, so the command does not do what its author expected: one of the two is wrong.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"merge_objects":true,"user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"merge_objects":true,"user_profile":{"tier":"gold"}}
    ```
    """
    if (
        record.get("operation") == "UPSERT"
        and record.get("force_replace") is True
        and record.get("merge_objects") is True
        and _form(ctx) != "update_strategy"  # there, both keys are unknown fields (MIC204)
    ):
        yield ctx.at(
            "merge_objects",
            "merge_objects is ignored when force_replace is true: set force_replace to false "
            "to deep-merge, or remove merge_objects",
        )


@FAMILY.rule(
    "MIC404",
    "delete-with-payload",
    Severity.WARNING,
    "a DELETE carries a profile or how to apply one",
)
def delete_with_payload(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a DELETE carries only its operation and identifier; each of `user_profile`,
    `force_replace` and `merge_objects` on a DELETE is reported (and `update_strategy`, with
    `profile-form` `update_strategy`, `either` or the default); a null one here only, no MIC202.

    ## Why is this bad?
    A DELETE removes the whole profile and ignores these keys. A DELETE with a profile is
    usually an UPSERT whose operation was set wrong, and that mistake deletes data.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c","user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    """
    if record.get("operation") == "DELETE":
        ignored = _DELETE_IGNORES_BY_FORM[_form(ctx)]
        for key in ignored:
            if key in record and record[key] is None:  # an empty cell of the export
                yield ctx.at(key, f"DELETE ignores {key}, null here: {_NULLS_LEFT_OUT}")
            elif key in record:
                yield ctx.at(key, f"DELETE ignores {key}: {_REMOVE_OR_UPSERT}")


_REMOVE_OR_UPSERT = "remove it, or use UPSERT if the profile should be written"
_NULLS_LEFT_OUT = "leave the key out (an export of UPSERTs and DELETEs writes null in a "
_NULLS_LEFT_OUT += "DELETE's empty cells: jq -c 'with_entries(select(.value != null))')"


def schema_view(record: Record, ctx: LineContext) -> Record:
    """The record the schema checks: a DELETE without the keys it ignores where null (a
    pandas export's empty cells): MIC404's warning, not MIC202's error too."""
    if record.get("operation") != "DELETE":
        return record
    nulls = [k for k in _DELETE_IGNORES_BY_FORM[_form(ctx)] if k in record and record[k] is None]
    return {k: v for k, v in record.items() if k not in nulls} if nulls else record


@FAMILY.rule(
    "MIC405",
    "replace-with-empty-profile",
    Severity.WARNING,
    "replacing the stored profile with an empty user_profile wipes it",
)
def replace_with_empty_profile(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks UPSERTs that replace the stored profile (`force_replace: true`, or `"update_strategy":
    "FORCE_REPLACE"`, unless `profile-form` is `force_replace`) with an empty `user_profile`.

    ## Why is this bad?
    Replacing with `{}` erases every property of the stored profile. When that is the
    intent, a DELETE says it clearly; more often an export produced an empty object for a
    user whose data failed to load.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_profile":{}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_profile":{"tier":"gold"}}
    ```
    """
    if record.get("operation") != "UPSERT" or record.get("user_profile") != {}:
        return
    form = _form(ctx)
    if record.get("force_replace") is True and form != "update_strategy":
        yield ctx.at(
            "user_profile",
            "force_replace is true and user_profile is empty: this erases the stored "
            "profile; use DELETE if that is meant, or send the properties",
        )
    elif record.get("update_strategy") == "FORCE_REPLACE" and form != "force_replace":
        yield ctx.at(
            "user_profile",
            "update_strategy is FORCE_REPLACE and user_profile is empty: this erases the "
            "stored profile; use DELETE if that is meant, or send the properties",
        )


@FAMILY.rule(
    "MIC406",
    "mixed-profile-forms",
    Severity.ERROR,
    "a line uses both profile forms (update_strategy and force_replace)",
)
def mixed_profile_forms(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    By default (and with `profile-form = "either"`), checks that a line uses one form of
    the profile import: the older `force_replace` (with `merge_objects`), or the newer
    `update_strategy`, not both. (Under the other two settings, the other form's keys are
    unknown fields, MIC204.)

    ## Why is this bad?
    The two forms say the same thing in two ways, and the docs never say which wins when
    both are given: `"force_replace":true` with `"update_strategy":"PARTIAL_UPDATE"`
    either replaces the stored profile or updates it in place. A line that mixes them is
    usually half-migrated from one form to the other.

    ## Example
    With `--profile-form either`:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"gold"}}
    ```
    """
    if "update_strategy" not in record or _form(ctx) not in ("either", "auto"):
        return
    older = [key for key in _OLDER_FORM if key in record]
    if older:
        names = " and ".join(older)
        yield ctx.at(
            older[0],
            f"{names} with update_strategy: a line uses one form of the profile import, "
            f"not both: keep update_strategy (the newer form) or {names}",
        )


# How a line of one form is written in the other: (key, value as written) -> the other's.
_TO_NEWER: dict[object, str] = {
    True: '"update_strategy": "FORCE_REPLACE"',
    False: '"update_strategy": "PARTIAL_UPDATE"',
}


def _advice(table: dict[object, str], value: object) -> str | None:
    # Any JSON value may stand there: a list or an object is no key (and no advice).
    return table.get(value) if isinstance(value, (str, bool)) else None


_TO_OLDER: dict[object, str] = {
    "FORCE_REPLACE": '"force_replace": true',
    "PARTIAL_UPDATE": '"force_replace": false',
}
_DEEP = '; the docs do not say it deep-merges nested objects as "merge_objects": true does'


@FAMILY.rule(
    "MIC407",
    "minority-profile-form",
    Severity.WARNING,
    "an UPSERT in the other profile form than most of its file",
)
def minority_profile_form(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    By default (`profile-form = "auto"`), a file may use either form of the profile
    import, `force_replace` (older pages) or `update_strategy` (newer pages), and is
    checked in the form most of its first records use (the first one's in a tie). Each
    UPSERT written in the other form is reported, once. A file in one form, whichever, gets
    nothing. Pin a form with `profile-form` to have the other form's keys reported as
    unknown fields (MIC204) instead, or allow both with `either`.

    ## Why is this bad?
    The docs describe the two forms on different generations of the page and never say
    that one import takes both. A file that mixes them was usually assembled from two
    exports, or half migrated: if the platform takes one form only, the other lines fail.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"gold"}}
    {"operation":"UPSERT","email_hash":"a1b2c3","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"silver"}}
    {"operation":"UPSERT","email_hash":"8b1e77","force_replace":false,"user_profile":{"tier":"bronze"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"gold"}}
    {"operation":"UPSERT","email_hash":"a1b2c3","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"silver"}}
    {"operation":"UPSERT","email_hash":"8b1e77","update_strategy":"PARTIAL_UPDATE","user_profile":{"tier":"bronze"}}
    ```
    """
    if record.get("operation") != "UPSERT" or _form(ctx) != "auto":
        return
    file_form = ctx.state.get(FILE_FORM_STATE)
    line_form = _line_form(record)
    if file_form is None or line_form is None or line_form == file_form:
        return
    if line_form == OLDER:
        key = "force_replace" if "force_replace" in record else "merge_objects"
        newer = _advice(_TO_NEWER, record.get("force_replace")) or "update_strategy"
        advice = f"write {newer} instead"
        if "merge_objects" in record:  # left beside update_strategy, it would be MIC406
            written = " and ".join(k for k in _OLDER_FORM if k in record)
            advice = f"write {newer} in place of {written}, as that form has no merge_objects"
            if record["merge_objects"] is True and record.get("force_replace") is not True:
                advice += _DEEP  # the deep merge this line asks for: not in the docs
    else:
        key = "update_strategy"
        strategy = record.get("update_strategy")
        # Its case is MIC203's to report (`partial_update`); the form's advice is the same.
        strategy = strategy.upper() if isinstance(strategy, str) else strategy
        other = _advice(_TO_OLDER, strategy)
        if other:
            advice = f"write {other} instead"
        elif strategy == "PARTIAL_DELETE":
            advice = (
                "the force_replace form has no PARTIAL_DELETE: move this line to a file "
                "in the update_strategy form"
            )
        else:  # no strategy the platform knows (MIC203): the key still tells the form
            advice = 'write "force_replace" instead (false to merge, true to replace)'
    yield ctx.at(
        key,
        f"this UPSERT is in the {line_form} form, while this file is in the {file_form} "
        f"form (told from its first records): {advice} (one form per file; or pin one "
        "with profile-form)",
    )


MINORITY_PROFILE_FORM = FAMILY.rules[-1]
