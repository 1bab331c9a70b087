"""What a word processor or a chat client puts in a command copied through it: typographic
quotes, and spaces JSON does not allow outside strings. MIC101 (syntax.py) names the
character, where the parser said only "unexpected character"."""

from __future__ import annotations

from mics_lint.rules.trimming import TRIMMED

_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2018\u2019\u201a\u201b\u2032")


def message(char: str) -> str | None:
    """MIC101's message for `char`, where the parser stopped outside a string, if it is a
    typographic quote or a space JSON does not allow there (a no-break space, say); else
    None. ASCII is not this module's: a control character has its own message."""
    if char in _QUOTES:
        return f'{char} is a typographic quote: JSON strings and keys need straight quotes (")'
    if char == "\ufeff":  # files joined with `cat`: each kept its own
        return "a byte-order mark (U+FEFF) inside the file, where files were joined: remove it"
    space = space_name(char)
    if space is not None:
        return (
            f"{space} outside a string: JSON allows only spaces, tabs and line ends there; "
            "replace it with a space"
        )
    return None


def joiner(between: str) -> str:
    """What joins two records on a line, `between` them, as MIC101 names it: quoted, but a
    byte-order mark, unseen in most editors, which starts the second of two files joined."""
    if "\ufeff" in between:
        return "a byte-order mark (U+FEFF: the second file's start, files joined)"
    return f"'{between}'"


def space_name(char: str) -> str | None:
    """`U+00A0 (no-break space)` for a space or an invisible character past ASCII (what
    MIC307 trims: trimming.TRIMMED), which JSON does not allow outside strings; None for
    any other character."""
    if char > "\x7f" and char in TRIMMED:
        import unicodedata  # a bad line's message only (start-up, issue 14)

        return f"U+{ord(char):04X} ({unicodedata.name(char, 'space').lower()})"
    return None
