"""MIC4xx: what a user-profile UPSERT or DELETE needs, and what it ignores.

None of these run when `operation` is missing or not a valid value: MIC201 or MIC203 already
says so, and guessing the intended operation would add noise.
"""

from __future__ import annotations

from collections.abc import Iterator

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record

FAMILY = Family("MIC4", "user-profile operations")

DELETE_IGNORES = ("user_profile", "force_replace", "merge_objects")
#: Per file: the profile form its settings name (config.PROFILE_FORMS). The MIC4xx rules
#: mean what they always meant under the default, "force_replace".
PROFILE_FORM_STATE = "profile-form"
_OLDER_FORM = ("force_replace", "merge_objects")
# What a DELETE ignores, per form: the other form's keys are unknown fields (MIC204) there.
_DELETE_IGNORES_BY_FORM = {
    "force_replace": DELETE_IGNORES,
    "update_strategy": ("user_profile", "update_strategy"),
    "either": (*DELETE_IGNORES, "update_strategy"),
}


def _form(ctx: LineContext) -> str:
    form: str = ctx.state.get(PROFILE_FORM_STATE, "force_replace")
    return form


@FAMILY.rule(
    "MIC401",
    "upsert-missing-force-replace",
    Severity.ERROR,
    "UPSERT without a force_replace key",
)
def upsert_missing_force_replace(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every UPSERT says how to apply its profile, with a `force_replace` key.
    Only an absent key is reported here; a present key of the wrong type is MIC202.

    ## Why is this bad?
    The format requires `force_replace` on UPSERT: `true` replaces the whole stored profile
    with `user_profile`, `false` merges into it. The two differ enormously, and the platform
    will not guess.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```
    """
    # The newer form's update_strategy is optional (the docs' own example has none), so
    # only the force_replace form requires a key.
    if (
        record.get("operation") == "UPSERT"
        and "force_replace" not in record
        and _form(ctx) == "force_replace"
    ):
        yield Finding(
            'UPSERT without force_replace: add "force_replace": false to merge into the '
            "stored profile, or true to replace it"
        )


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
    absent key is reported here; a present key of the wrong type is MIC202.

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
        yield Finding(
            'UPSERT without user_profile: add "user_profile": {...} with the properties to '
            "write, or use DELETE"
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
    `profile-form` `update_strategy` or `either`).

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
            if key in record:
                yield ctx.at(
                    key,
                    f"DELETE ignores {key}: remove it, or use UPSERT if the profile should be "
                    "written",
                )


@FAMILY.rule(
    "MIC405",
    "replace-with-empty-profile",
    Severity.WARNING,
    "replacing the stored profile with an empty user_profile wipes it",
)
def replace_with_empty_profile(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks UPSERTs that replace the stored profile (`force_replace: true`, or
    `"update_strategy": "FORCE_REPLACE"` with `profile-form` `update_strategy` or `either`)
    with an empty `user_profile`.

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
    With `profile-form = "either"`, checks that a line uses one form of the profile import:
    the older `force_replace` (with `merge_objects`), or the newer `update_strategy`, not
    both. (Under the other two settings, the other form's keys are unknown fields, MIC204.)

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
    if "update_strategy" not in record or _form(ctx) != "either":
        return
    older = [key for key in _OLDER_FORM if key in record]
    if older:
        names = " and ".join(older)
        yield ctx.at(
            older[0],
            f"{names} with update_strategy: a line uses one form of the profile import, "
            f"not both: keep update_strategy (the newer form) or {names}",
        )
