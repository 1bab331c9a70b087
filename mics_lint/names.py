"""How a name (a file's path) or a one-line message is printed: with no character that acts.

A file name may hold any byte but "/" and NUL. Printed as it is, a newline in it starts a
line of output of its own (in a GitHub Actions log, a line starting with `::error` is a
workflow command the runner executes), an ESC drives the terminal, a bidirectional override
reorders what is shown, and a control character makes an XML report unreadable. So every
path mics-lint prints, in every format and on stderr, is made printable by `printable`: once,
where a file's name is made (`discovery.expand`, `linter.lint_file`), so that every
diagnostic, report and summary carries the same printable name; and every error line again
as it is written (`exits.fail`), whatever it quotes. A second pass changes nothing.
"""

from __future__ import annotations

import contextlib

# Control characters (C0, DEL, C1), format characters (bidirectional overrides, zero-width
# ones), lone surrogates, and the line and paragraph separators that some readers treat as
# line ends.
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(text: str) -> str:
    """`text` with its undecodable bytes as U+FFFD and its control characters escaped as
    Python writes them (`\\n`, `\\x1b`, `\\u202e`); other characters as they are.

    A backslash is kept as it is (Windows paths), so a name that holds the text `\\n`
    prints as one that holds a newline: the point is that nothing printed acts, not that
    every name can be told from every other.
    """
    if text.isprintable():
        return text
    # A file name's undecodable bytes (os.fsdecode's surrogate escapes) become U+FFFD; a
    # lone surrogate that stands for no byte (an API caller's) fails this, and is escaped.
    with contextlib.suppress(UnicodeEncodeError):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    import unicodedata  # a shared library: loaded by the first name that needs it (issue 14)

    return "".join(
        repr(char)[1:-1] if unicodedata.category(char) in _UNSAFE else char for char in text
    )


def two_ends(text: str, most: int, head: int = 40) -> str:
    """`text` whole up to `most` characters, else its first `head` and its last ones, "…"
    between: a path or a chain of fields thousands of levels deep, in a one-line message."""
    return text if len(text) <= most else f"{text[:head]}…{text[head + 1 - most :]}"
