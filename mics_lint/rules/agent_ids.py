"""A user agent id's form (MIC306: `prefix:value`) and what to say of one that is not, for
every type's field that holds one (a profile's `user_agent_id`, an activity's
`$user_agent_id`, a deletion line's and an association item's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mics_lint.lazyre import compiled
from mics_lint.rules.structure import inner_placeholder, is_missing_text, is_placeholder
from mics_lint.rules.trimming import QUOTES, trimmed
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact
else:  # imported at its first use: a message (start-up, issue 14)
    redact = later("mics_lint.redact")

# Used with fullmatch: `$` would also match before a final newline ("vec:1\n").
USER_AGENT_ID = compiled(r"[A-Za-z][A-Za-z0-9_-]*:\S+")
#: An address inside a value (`Jane Doe <jane@example.com>`, `mailto:jane@example.com`):
#: searched for, not matched whole (MIC305, and MIC306's advice).
# A match starts only where such a run does (the lookbehind): a search from every
# character of a 20,000-letter run before an "@" took seconds.
_PART = r"[^@\s<>()\[\]\",;:]"
EMAIL_IN = compiled(rf"(?<!{_PART}){_PART}+@{_PART}+\.{_PART}+")

#: A registry prefix and its colon with nothing after it: "vec:".
_PREFIX_ONLY = compiled(r"[A-Za-z][A-Za-z0-9_-]*:")


def email_advice(email: str) -> str:
    """MIC306's advice for an e-mail address in place of a user agent id, where `email` is
    how the line's type names a user by an e-mail hash."""
    return f"name the user by {email} instead (the hash of the address)"


def user_agent_id_problem(
    where: str, value: object, show_values: bool, email: str = email_advice("email_hash")
) -> str | None:
    """MIC306's message for one user agent id (`where` names it), or None when it is well
    formed, empty (MIC205's), a placeholder (MIC206's, MIC309's), missing (MIC310's) or
    not a string (MIC202's). `email`: what to do of an e-mail address there instead, as
    the line's type takes one (`email_advice`)."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or is_placeholder(value)
        or inner_placeholder(value) is not None
        or is_missing_text(value)
    ):
        return None  # a placeholder (MIC206's or MIC309's), or "undefined" (MIC310's)
    kept = trimmed(value)  # around an otherwise good id, whitespace is MIC307's
    if USER_AGENT_ID.fullmatch(kept):
        return None
    unquoted = kept.strip(QUOTES)  # and quotes MIC311's ("add the prefix" would be wrong)
    if unquoted != kept and USER_AGENT_ID.fullmatch(unquoted):
        return None
    shown = redact.identifier(value, show_values)
    if _PREFIX_ONLY.fullmatch(kept):
        return (
            f"{where} {shown} has a registry prefix but its value is missing: put the id "
            f"after the prefix (as in {kept}89998434), or leave the line out"
        )
    # Advice that fits what is there: "add the registry prefix" to an id that has one
    # (`vec: 123`) or to an e-mail address would give another bad id.
    if "@" in kept and EMAIL_IN.search(kept):  # personal data: not shown, as MIC305's
        return f"{where} holds an e-mail address, not a device id: {email}"
    if _PREFIXED.match(kept):
        return f"{where} {shown} has whitespace inside: remove it (as in vec:123)"
    if kept.startswith(":"):
        return f"{where} {shown} has nothing before its colon: put the registry prefix there"
    return (
        f"{where} {shown} is not of the form prefix:value (vec:123, net:9:12345, "
        "udp:987): add the registry prefix"
    )


#: A registry prefix and an id that holds whitespace (`vec: 123`, `vec:12 34`).
_PREFIXED = compiled(r"[A-Za-z][A-Za-z0-9_-]*:.*\s")
