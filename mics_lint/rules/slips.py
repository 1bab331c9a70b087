"""MIC101's words for slips of hand-written JSON that its parser names in its own terms
("no digit after sign", "unexpected character"): a word without quotes, a number written
as a person writes one (`0042`, `.5`, `+5`), told where the parser stopped
(syntax.invalid_json_message asks here last); a line number copied before a record
(row_shapes.message asks first)."""

from __future__ import annotations

from mics_lint.lazyre import compiled
from mics_lint.rules.structure import MISSING_TEXT

_BARE_WORD = compiled(r"[A-Za-z_$][\w$-]*")
# Bare words a message may repeat: the command's own keys, never data.
_COMMAND_WORDS = frozenset(
    {"operation", "compartment_id", "user_account_id", "email_hash", "user_agent_id"}
    | {"force_replace", "merge_objects", "user_profile"}
)
# A number as a person writes one, where the parser stopped: a leading zero (`0042`), a
# leading point (`.5`) or plus (`+5`).
_HAND_NUMBER = compiled(r"-?0[0-9]|[.+][0-9]")


def bare_word(here: str, previous: str, show_values: bool) -> str | None:
    """The answer for a word without quotes at the start of `here`, where the parser
    stopped, after `previous` (the last character before it), or None."""
    word = _BARE_WORD.match(here)
    if word is None:
        return None
    if not previous:  # `not json`, a log line, a CSV header
        return "the line is not JSON: each line must be one JSON object {...}"
    # A missing value as JavaScript, Ruby or a database writes it: quoted, as the next
    # answer says, it would be that text; JSON's is null.
    if previous == ":" and word.group() in MISSING_TEXT:
        return f"{word.group()} is not JSON: write null, or leave the key out"
    if previous == ":":  # `"tier": gold`
        return "strings must be in double quotes: quote the value here"
    if previous not in ("{", ","):
        return None
    if show_values or word.group() in _COMMAND_WORDS:
        name = word.group()
        return f'keys must be strings in double quotes: write "{name}" instead of {name}'
    # It may be a profile value written without quotes: not repeated (redact.py).
    return "keys and strings must be in double quotes: quote the word here"


# A line number copied from a viewer or `cat -n`, before the record: `12 {`, `12\t{`, `12: {`.
_NUMBERED = compiled(r"[ \t]*[0-9]+[ \t:|.,)\]-]*(?=\{)")


def numbered_line(text: str) -> str | None:
    """The answer for a line that starts with a number before its record, or None (before
    it is taken for a CSV row or for two values on one line)."""
    if _NUMBERED.match(text):
        return "the line starts with a number before its record (a line number?): remove it"
    return None


def parser_words(parser_message: str, here: str) -> str:
    """The answer where no better one was found: the parser's message, or, for a number
    written by hand where it stopped, what JSON wants instead."""
    if _HAND_NUMBER.match(here):
        return (
            "a JSON number has no leading zero, point or plus sign (0042, .5, +5): write "
            "42, 0.5 or 5, or an id with its zeros as a string in double quotes"
        )
    return f"invalid JSON: {parser_message}"
