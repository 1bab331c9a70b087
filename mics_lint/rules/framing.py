"""MIC0xx: the file as a whole and how its lines are framed (encoding, line ends, layout).

The engine finds these while it splits the file into lines; this module holds their
declarations and explanations. In examples, `<BOM>` stands for the invisible byte-order
mark, `<CR>` for a carriage return, `<0xE9>` for one raw byte, and `<no final newline>`
ends a file whose last line has no line feed.
"""

from __future__ import annotations

from mics_lint.diagnostic import Finding, Severity, counted
from mics_lint.framer import BOM as BOM  # re-exported: the engine and the fixer name it f.BOM
from mics_lint.framer import SPACE
from mics_lint.registry import FIX_SAFE, ONCE_PER_FILE, Family

FAMILY = Family("MIC0", "file and framing")

DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024

INVALID_UTF8 = FAMILY.declare(
    "MIC001",
    "invalid-utf8",
    Severity.ERROR,
    "a line holds bytes that are not UTF-8",
    """
    ## What it does
    Checks that every line is valid UTF-8. Nothing else is checked on a line that is not.

    ## Why is this bad?
    The platform reads import files as UTF-8 (the document import's `encoding` is `utf-8`).
    Bytes from another encoding, typically Latin-1 or Windows-1252 accents written by an old
    export, make the line unreadable: the platform rejects it, or stores mangled text.

    ## Example
    A line written in Latin-1, where `é` is the single byte `0xE9`:
    ```ndjson
    {"operation":"DELETE","user_account_id":"Ren<0xE9>","compartment_id":"1000"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","user_account_id":"René","compartment_id":"1000"}
    ```
    Re-export the file as UTF-8 (for example `iconv -f latin1 -t utf-8`).
    """,
)

BYTE_ORDER_MARK = FAMILY.declare(
    "MIC002",
    "byte-order-mark",
    Severity.ERROR,
    "the file starts with a UTF-8 byte-order mark",
    """
    ## What it does
    Checks that the file does not start with the UTF-8 byte-order mark (BOM, bytes
    `EF BB BF`). Line 1 is then checked without it.

    ## Why is this bad?
    A BOM is not JSON: a strict JSON parser rejects the first line, so the first command of
    the file is lost. Spreadsheet tools and some Windows editors add it silently.

    ## Example
    ```ndjson
    <BOM>{"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Save the file as "UTF-8" rather than "UTF-8 with BOM" (Windows PowerShell 5.1's
    `Out-File -Encoding utf8` writes one: see MIC009 for .NET's way without).

    ## Fix
    `--fix` removes the BOM: its bytes belong to no record.
    """,
    fix=FIX_SAFE,
    fix_always=True,
)

CRLF_LINE_ENDINGS = FAMILY.declare(
    "MIC003",
    "crlf-line-endings",
    Severity.WARNING,
    "lines end with CRLF instead of LF",
    """
    ## What it does
    Checks that lines end with a line feed alone (`\\n`), not with a carriage return and a
    line feed (`\\r\\n`, Windows line ends). Reported once per file, at the first such line.

    ## Why is this bad?
    NDJSON separates records with `\\n`. Most JSON parsers accept the stray `\\r` as
    whitespace, but tools that split, hash or compare lines see a different value, and a
    `\\r` that ends up inside a value corrupts it.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}<CR>
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Convert the file with `dos2unix`, or write it with `\\n` line ends.

    ## Fix
    `--fix` ends every line with `\\n` alone (a last line ended by a lone `\\r` too).
    """,
    fix=FIX_SAFE,
    fix_always=True,
    across_chunks=ONCE_PER_FILE,
)

BLANK_LINE = FAMILY.declare(
    "MIC004",
    "blank-line",
    Severity.WARNING,
    "an empty or whitespace-only line",
    """
    ## What it does
    Checks for lines that are empty or hold only whitespace.

    ## Why is this bad?
    Every line of an import file is one command. A blank line is not a command: the platform
    counts it as a failed line in the execution's error file, which hides real failures
    among false ones.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}

    {"operation":"DELETE","email_hash":"7be01d"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    {"operation":"DELETE","email_hash":"7be01d"}
    ```

    ## Fix
    `--fix` drops blank lines: they hold no command.
    """,
    fix=FIX_SAFE,
    fix_always=True,
)

MISSING_FINAL_NEWLINE = FAMILY.declare(
    "MIC005",
    "missing-final-newline",
    Severity.WARNING,
    "the last line does not end with a newline",
    """
    ## What it does
    Checks that the last line of the file ends with `\\n`. Reported on that line.

    ## Why is this bad?
    In NDJSON every record ends with a newline. Without it, joining files with `cat` glues
    the last record of one file to the first of the next, which breaks both lines, and some
    line-counting tools miss the last record.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}<no final newline>
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    ## Fix
    `--fix` adds the final `\\n`.
    """,
    fix=FIX_SAFE,
    fix_always=True,
)

FILE_TOO_LARGE = FAMILY.declare(
    "MIC006",
    "file-too-large",
    Severity.WARNING,
    "the file is larger than the platform's recommended maximum",
    """
    ## What it does
    Checks that the file is at most `max-file-size` bytes (default 100 MiB, the maximum the
    mediarithmics docs recommend per file). Reported at line 1 when the size is known before
    reading (a plain file); for standard input and `.gz` files, at the line where the limit
    is passed.

    ## Why is this bad?
    The docs ask for files of at most 100 MB "for maximum performance": a larger execution
    is slower and, when it fails, more has to be sent again.

    ## Example
    With `max-file-size = 64`:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    {"operation":"DELETE","email_hash":"7be01d"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    and the second command in a file of its own. Split large exports, for example with
    `split -C 100m`, one execution per part.
    """,
)

NOT_NDJSON = FAMILY.declare(
    "MIC007",
    "not-ndjson",
    Severity.ERROR,
    "the file is one JSON document spread over several lines",
    """
    ## What it does
    Checks that the file is NDJSON (one command per line) and not one JSON document spread
    over several lines: a pretty-printed object, or a JSON array of commands. It is reported
    once, at line 1, instead of a cascade of per-line errors. If that document is not even
    valid JSON, MIC101 is reported too, at the line and column of the syntax error.

    It fires when the first non-blank line is only `{` or `[`, or when every line fails to
    parse alone but the whole file parses as one JSON value. A first line of `{` or `[`
    followed by NDJSON lines is not a document: a pretty-printed first record is a split
    record (MIC101), a stray `{` or `[` is a broken line, and every later line is checked.

    ## Why is this bad?
    The platform reads one command per line. A pretty-printed object is a dozen broken
    lines; an array of commands is one line per element, each with a stray comma. The
    documentation's own examples are pretty-printed, so this is a common first mistake.

    ## Example
    ```ndjson
    {
      "operation": "DELETE",
      "email_hash": "3f2a9c"
    }
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    `jq -c '.[]' commands.json > commands.ndjson` turns an array into NDJSON; `jq -c .`
    compacts pretty-printed objects.

    ## Fix
    `--fix` rewrites the document as one compact command per line, in order: a
    pretty-printed object, each element of an array of commands, or each of several objects
    written one after the other (as `jq .` prints them). Keys keep their order and every
    value its exact text (big numbers, escapes): only whitespace outside strings goes, and
    each line is parsed again and compared with the original before the file is written.
    A document that is not valid JSON, holds anything but objects, or is over 256 MiB is
    left as it is.
    """,
    fix=FIX_SAFE,
    fix_always=False,
)

EMPTY_FILE = FAMILY.declare(
    "MIC008",
    "empty-file",
    Severity.WARNING,
    "the file has no commands",
    """
    ## What it does
    Checks that the file holds at least one command: a file with no bytes, or only
    whitespace, is reported once, at line 1 (and its blank lines are not reported again).

    ## Why is this bad?
    Uploading it creates an execution that does nothing, which usually means the export
    that wrote it failed upstream.

    ## Example
    ```ndjson
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    """,
)


UTF16_FILE = FAMILY.declare(
    "MIC009",
    "utf16-file",
    Severity.ERROR,
    "the file is encoded in UTF-16, not UTF-8",
    """
    ## What it does
    Checks that the file is not UTF-16 text, found by its byte-order mark (`FF FE` or
    `FE FF`) or by the zero bytes between the characters of its first line. It is reported
    once, at line 1, and the file's lines are not checked further: read as UTF-8, every one
    of them would be broken. A UTF-32 file (`FF FE 00 00`, or three zero bytes beside each
    character) is reported alike, its message naming UTF-32.

    ## Why is this bad?
    The platform reads import files as UTF-8. Windows tools (PowerShell's `>` and
    `Out-File`, "Unicode text" in Excel) write UTF-16, which the platform cannot read at all.

    ## Example
    A file saved as UTF-16 (little-endian, with a byte-order mark):
    ```ndjson
    <UTF-16>{"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Re-encode it: `iconv -f UTF-16 -t UTF-8 in.ndjson > out.ndjson`, or in PowerShell
    `Out-File -Encoding utf8NoBOM` (PowerShell 7). Windows PowerShell 5.1's `utf8` writes
    a byte-order mark (MIC002); there, .NET writes UTF-8 without one:
    `[IO.File]::WriteAllText("$PWD/out.ndjson", [IO.File]::ReadAllText("$PWD/in.ndjson"))`
    (which tells UTF-16 by its byte-order mark, as PowerShell's `>` writes it; for one
    without, add `[Text.Encoding]::Unicode` to `ReadAllText`).
    """,
)

LINE_TOO_LONG = FAMILY.declare(
    "MIC010",
    "line-too-long",
    Severity.ERROR,
    "a line is longer than `max-line-bytes`, and was not read",
    """
    ## What it does
    Checks that no line is longer than `max-line-bytes` (default 64 MiB). Such a line is
    skipped, not read into memory or parsed, so a huge or runaway line (a whole file
    without newlines, a binary blob) costs neither memory nor time. Nothing else is
    reported on it.

    ## Why is this bad?
    One command is one user: real commands are kilobytes. A line of tens of megabytes is a
    file written without newlines, or a profile that swallowed a blob; the platform will
    not accept it either.

    ## Example
    With `max-line-bytes = 60`:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_profile":{"photo":"iVBORw0KGgo"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Keep each command short: put large content elsewhere and reference it.
    """,
)


# -- messages ---------------------------------------------------------------------------------

NO_FINAL_NEWLINE = Finding("no newline at the end of the file: end the last line with \\n")
CRLF = Finding("line ends with CRLF (\\r\\n): use LF (\\n) line endings (reported once per file)")
CR_ALONE = Finding(
    "the last line ends with a carriage return alone (\\r): use LF (\\n) line endings"
)
STARTS_WITH_BOM = Finding(
    "the file starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without BOM"
)
BLANK = Finding("blank line: remove it (every line must be one command)")


def invalid_utf8(body: bytes, start: int) -> Finding:
    """MIC001 at the first byte that is not UTF-8 (`start`, a byte offset)."""
    column = len(body[:start].decode("utf-8", "replace")) + 1
    byte = body[start : start + 1].hex().upper()
    if start == 0 and body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Finding("the file is UTF-16; the platform expects UTF-8: re-export it as UTF-8", 1)
    return Finding(f"byte 0x{byte} is not UTF-8: re-export the file as UTF-8", column)


def too_large(limit: int, size: int, known_before: bool) -> Finding:
    if known_before:  # "larger than 1,000 bytes, ... (853,934 bytes)" read as the maximum
        said = f"the file is {_size(size)}, over {_size(limit)}"
    else:
        said = f"the file is larger than {_size(limit)} (at this line)"
    return Finding(f"{said}, the recommended maximum per import file: split it")


def _size(size: int) -> str:
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size:,} bytes"


def empty(only_bom_or_nothing: bool) -> Finding:
    if only_bom_or_nothing:
        return Finding("the file is empty: it holds no command")
    return Finding("the file holds only whitespace: it holds no command")


def not_ndjson(value: object, lines: int, run: int = 0) -> Finding:
    """MIC007, saying what the document is: an array, an object, `run` objects one after
    another, or something broken. `value` is the document's value, or for one too large
    to be read whole (framer.DOCUMENT_PARSE_LIMIT) what its first line opens, b"[" or b"{"."""
    from mics_lint.rules.tables import table, table_message  # a document's message only

    over = counted(lines, "line")
    if value in (b"[", b"{"):
        unread = "too large to be read whole"
        if value == b"[":
            what = f"a JSON array spread over {over} ({unread})"
            fix = "write one command per line (jq -c '.[]' turns an array of commands into NDJSON)"
        else:
            what = f"JSON pretty-printed over {over} ({unread})"
            fix = "write each command on a single line (jq -c . compacts each object)"
    elif run:
        what = f"{counted(run, 'JSON object')} pretty-printed over {over}"
        fix = "write each command on a single line (jq -c . compacts them)"
    elif isinstance(value, list):
        what = f"a JSON array of {counted(len(value), 'value')} spread over {over}"
        fix = "write one command per line (jq -c '.[]' turns the array into NDJSON)"
    elif isinstance(value, dict) and (found := table(value)) is not None:
        # pandas' to_json(indent=...): compacted, the line would be a table still (MIC105).
        what, _, fix = table_message(*found).partition(", not one command: ")
        what = f"{what}, pretty-printed over {over}"
    elif isinstance(value, dict):
        what = f"one JSON object pretty-printed over {over}"
        fix = "write each command on a single line (jq -c . compacts it)"
    else:
        what = f"one JSON document spread over {over}"
        fix = "write each command as one JSON object on a single line"
    return Finding(f"the file is {what}, not NDJSON: {fix}")


def opens_document(body: bytes) -> bool:
    """A line holding only `{` or `[`: the first line of a pretty-printed document."""
    return body.strip(SPACE) in (b"{", b"[")


def utf16(variant: str, encoding: str = "UTF-16") -> Finding:
    # Without a byte-order mark, iconv guesses the order (glibc the machine's): named.
    order = "" if "without" not in variant else "LE" if variant[0] == "l" else "BE"
    return Finding(
        f"this file is {encoding} ({variant}); the platform expects UTF-8: re-encode it "
        f"(iconv -f {encoding}{order} -t UTF-8); its lines were not checked"
    )


def line_too_long(limit: int, size: int) -> Finding:
    return Finding(
        f"line of {size:,} bytes, over max-line-bytes ({_size(limit)}): it was not read; "
        "one command should be far smaller (split it, or raise max-line-bytes)"
    )
