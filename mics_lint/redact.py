"""Personal data kept out of what mics-lint prints.

Import files carry e-mail hashes, account ids and CRM profiles, and mics-lint's output ends
up in CI logs, pull-request annotations and uploaded reports. Unless the user opts in with
`--show-values` (`Settings.show_values`):

- a message shows an identifier's value only cut to a short prefix (`"CRM-00…"`), and no
  value from `user_profile` at all;
- anything that looks like an e-mail address, in any message, is masked (`j***@e***.com`);
- the `full` format's copy of the line keeps its keys and structure, but every character of
  a profile value, and of an identifier past its prefix, becomes `*`: the line keeps its
  length, so the caret still points at the right character.
"""

from __future__ import annotations

import json
import re

from mics_lint.jsontext import shorten, visible
from mics_lint.lazyre import compiled

#: How many characters of an identifier's value a message shows.
PREFIX = 6
IDENTIFIER_KEYS = frozenset({"compartment_id", "user_account_id", "email_hash", "user_agent_id"})
# Top-level keys whose values say what to do, not who to: shown as they are.
COMMAND_KEYS = frozenset({"operation", "force_replace", "merge_objects"})

# Broad on purpose: masking a non-address costs nothing, printing an address is a leak.
# Bounded repeats (an address's local part is at most 64 characters, a domain label 63):
# unbounded ones made the search quadratic on a long run of letters before an "@".
# The top-level domain is letters (or an IDN's xn-- form): `rate@v1.2`, a key, is no address.
_EMAIL = compiled(
    r"([^\s\"'@,;:<>()\[\]{}\\]{1,64})@([^\s\"'@,;:<>()\[\]{}\\.]{1,63})"
    r"((?:\.[^\s\"'@,;:<>()\[\]{}\\.]{1,63}){0,7}\.(?:[^\W\d_]{1,63}|xn--[\w-]{1,59}))"
    r"(?![^\s\"'@,;:<>()\[\]{}\\._])"  # `_` may follow: an address glued to a key name
)
#: The most characters _EMAIL matches: an address that starts in the shown part of a value
#: ends at most this far after it.
LONGEST_EMAIL = 64 + 1 + 63 + 8 * (1 + 63)
# A JSON string (possibly unterminated, or ending in a lone backslash), a structural
# character, or a run of anything but structure, space and quotes. A string's pattern never
# fails once it has started (it used to, at a final lone backslash, and then was tried again
# from each later quote: quadratic), so every character is read once.
_TOKEN = compiled(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
_COLON_NEXT = compiled(r"\s*:")


def mask_emails(text: str) -> str:
    """Every e-mail-like part of `text` as `j***@e***.com`: first letters and the TLD."""
    return _EMAIL.sub(_masked_email, text) if "@" in text else text


def _masked_email(match: re.Match[str]) -> str:
    local, domain, tail = match.groups()
    following = match.string[match.end() : match.end() + 1]
    # Two addresses run together (x@y.zdoe@example.com): the "TLD" is the next local part.
    top = "***" if following == "@" else tail.rsplit(".", 1)[-1]
    return f"{local[:1]}***@{domain[:1]}***.{top}"


def identifier(value: object, show: bool = False) -> str:
    """An identifier's value for a message: JSON-quoted, cut after `PREFIX` characters."""
    if show:
        return shorten(value, show_values=True)
    text = mask_emails(value if isinstance(value, str) else shorten(value))
    end = "…" if len(text) > PREFIX else ""
    if not isinstance(value, str):
        return text[:PREFIX] + end
    # JSON's escapes, as shorten writes them: a line break in an id must not end the line.
    inner = json.dumps(text[:PREFIX], ensure_ascii=False)[1:-1]
    return f'"{visible(inner)}{end}"'


def source_line(text: str) -> str:
    """A copy of a line for display, of the same length, with personal values starred out.

    Keys, punctuation and the values of `operation`, `force_replace` and `merge_objects`
    stay; an identifier keeps its first `PREFIX` characters; every other value (all of
    `user_profile`'s) becomes `*`; an e-mail address anywhere
    (a key, a stray value) keeps only its first character. Text that does not tokenize as
    JSON (a broken line) is starred out from the first token that does not.
    """
    out: list[str] = []
    depth = 0
    key_at_top: str | None = None  # the key whose value is being read, at depth 1
    pending_key: str | None = None
    previous = ""  # the previous token: a value is shown only right after its key's ":"
    position = 0
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        out.append(text[position:start])  # whitespace between tokens
        position = end
        token = match.group()
        if token in ("{", "[", "}", "]", ":", ","):
            depth += 1 if token in "{[" else -1 if token in "}]" else 0
            if token == ":" and depth == 1:
                key_at_top = pending_key
            elif (token == "," and depth == 1) or depth < 1:
                key_at_top = None
            out.append(token)
        # A key: a string after `{` or `,` with a colon next. After a colon it is a value
        # (`"email_hash":"3f2a9c":...`, a comma typed as a colon), masked as values are.
        elif token.startswith('"') and previous in ("", "{", ",") and _COLON_NEXT.match(text, end):
            if depth == 1:
                pending_key = _key_name(token)
            out.append(_masked_key(token))
        elif depth == 1 and previous == ":" and _command_key(key_at_top) and _plain(token):
            out.append(token)  # UPSERT, true
        elif depth == 1 and previous == ":" and key_at_top in IDENTIFIER_KEYS:
            out.append(_prefix_kept(token))
        else:
            out.append(_starred(token))  # user_profile's values, and any other value
        previous = token
    out.append(_starred(text[position:]) if text[position:].strip() else text[position:])
    return "".join(out)


def _masked_key(token: str) -> str:
    """A key as written, starred out if it holds an e-mail address (even spelt with escapes)."""
    if "\\" in token:
        decoded = _decoded(token)
        if decoded is None or _EMAIL.search(decoded):
            return _starred(token)
    return _star_emails(token)


def _decoded(token: str) -> str | None:
    """What a token spells, its escapes decoded (`\\u0040` is an "@"); None for a token with
    a backslash that does not decode, which is then shown as if it held an address."""
    if "\\" not in token:
        return token
    if not token.startswith('"'):
        return None  # no escape outside a string: data in the wrong place
    for candidate in (token, token + '"'):  # terminated, or not (a broken line)
        try:
            decoded = json.loads(candidate)
        except ValueError:
            continue
        return decoded if isinstance(decoded, str) else None
    return None


def _plain(token: str) -> bool:
    """A command's value that may be shown as written: no "@" in what it spells, which would
    be data in the wrong place."""
    decoded = _decoded(token)
    return decoded is not None and "@" not in decoded


def _command_key(key: str | None) -> bool:
    """`operation`, `force_replace`, `merge_objects`, also misspelt (`forceReplace`)."""
    return key is not None and key.lower().replace("_", "").replace("-", "") in _COMMAND_WORDS


_COMMAND_WORDS = frozenset(k.replace("_", "") for k in COMMAND_KEYS)


def _key_name(token: str) -> str:
    return token[1:-1] if token.endswith('"') and len(token) >= 2 else token[1:]


def _starred(token: str) -> str:
    """Every character but the quotes around a string."""
    if token.startswith('"'):
        inner_end = len(token) - 1 if token.endswith('"') and len(token) >= 2 else len(token)
        return '"' + "*" * (inner_end - 1) + token[inner_end:]
    return "*" * len(token)


def _prefix_kept(token: str) -> str:
    if "\\" in token:
        decoded = _decoded(token)
        if decoded is None or _EMAIL.search(decoded):
            # An address spelt with escapes: its first character only, as a plain one.
            return token[:2] + _starred('"' + token[2:])[1:]
    token = _star_emails(token)  # before cutting: a prefix of an address is still personal
    if not token.startswith('"'):
        return token[:PREFIX] + "*" * max(0, len(token) - PREFIX)
    keep = 1 + PREFIX
    masked = _star_emails(token[:keep])
    return masked + _starred('"' + token[keep:])[1:] if len(token) > keep else masked


def _star_emails(text: str) -> str:
    return _EMAIL.sub(lambda m: m.group()[:1] + "*" * (len(m.group()) - 1), text)
