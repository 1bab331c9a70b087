"""What MIC307 (identifier-whitespace) trims around an identifier: one definition for the
rule, its fast screen, its message and its fix (fix_records.py)."""

from __future__ import annotations

#: What MIC307 trims: Python's whitespace (what `str.isspace` and `str.strip()` take) and
#: the invisible characters a copy from a web page or a spreadsheet leaves (a zero-width
#: space, a word joiner, a byte-order mark inside a value), which they do not take and the
#: platform keeps as well. tests/test_new_user_review.py holds the first part to isspace.
TRIMMED = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
) + "\u200b\u2060\ufeff"


def trimmed(value: str) -> str:
    """An identifier without what MIC307 reports around it (its fix, --unsafe-fixes)."""
    return value.strip(TRIMMED)


#: The ASCII quotes MIC311 (identifier_values.py) reports around an identifier.
ASCII_QUOTES = "\"'`"
#: All the quotes MIC311 reports: a value is wrapped in them when a CSV export quotes a
#: quoted cell again, or a spreadsheet or a word processor writes its own: straight,
#: typographic and guillemets.
QUOTES = ASCII_QUOTES + "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a"

#: The fast screen of MIC307 and MIC311 (identifier_values.py), one expression for both, so
#: that the fast checks evaluate it once (registry._compiled joins each expression once):
#: an ASCII id with nothing to strip at its ends (what MIC307 trims, MIC311's quotes) is
#: given back whole by `strip`; one that is not ASCII, rare, is left to the rules. The
#: characters given cost 300 instructions a clean profile line more than `strip()`, where
#: a second call cost 540 (cachegrind).
EDGES_SCREEN = "not value.isascii() or value.strip({!r}) is not value".format(
    "".join(c for c in TRIMMED if c.isascii()) + ASCII_QUOTES
)
