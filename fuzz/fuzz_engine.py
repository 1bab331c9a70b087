"""Coverage-guided fuzzing of the mics-lint engine with atheris (libFuzzer for Python).

Not run in CI, and importable only where atheris is installed:

    pip install atheris
    python fuzz/fuzz_engine.py -max_total_time=600 fuzz/corpus

Each input is a whole file's bytes. It is linted with `lint_lines` (the lines split at
b"\\n") and with `lint_stream` (the bytes behind a BufferedReader), under each of `SETTINGS`,
with the fast path started from line 1, and must satisfy the invariants of
tests/test_fuzz.py:

- nothing escapes but `ReadError`, and that only from `lint_stream` (binary data);
- every diagnostic has a code of the registry, 1 <= line <= the number of lines (line 1 for
  an empty file), end_line == line, 1 <= column <= end_column, both within the line;
- diagnostics come sorted by line, then column and code;
- the fast path on and off give the same diagnostics;
- `lint_lines` and `lint_stream` give the same diagnostics (unless the stream was refused);
- MIC006 is reported once exactly when the file is over `max_file_size` (not for UTF-16);
- with `show_values` off, no message holds address-like text (`a@b.c`) found in the input.

A failure is an uncaught exception: libFuzzer stops and writes the input to `crash-<sha1>`.
Replay it with `python fuzz/fuzz_engine.py crash-<sha1>`.
"""

from __future__ import annotations

import dataclasses
import io
import re
import sys

import atheris

with atheris.instrument_imports(include=["mics_lint"]):
    from mics_lint import Diagnostic, ReadError, Settings, lint_lines
    from mics_lint import config as config_module
    from mics_lint import linter as linter_module
    from mics_lint.rules import REGISTRY

PATH = "fuzz.ndjson"
SETTINGS = {
    "default": Settings(),
    "slow": Settings(fast_path=False),
    "line64": Settings(max_line_bytes=64),
    "show": Settings(show_values=True),
    "line64-size200": Settings(max_line_bytes=64, max_file_size=200),
}
# The longest address-like text from each position of a message (overlapping): one run
# together with what precedes it (`x@y.zdoe@example.com`) is seen too.
ADDRESS_FROM_EACH = re.compile(r"(?=([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+))")

# The engine starts its fast path at line 200: from line 1 here, so that short inputs go
# through it too (this process lints nothing else).
config_module.DEFAULT_FAST_PATH_FROM = 1


def reference_lines(data: bytes) -> list[bytes]:
    """Split at b"\\n" only, line ends kept (not `bytes.splitlines`, which also splits at
    \\r, \\x0b, \\x0c and \\x1c-\\x1e)."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def records(found: list[Diagnostic]) -> list[tuple[dict[str, object], str | None]]:
    return [(d.to_dict(), d.source) for d in found]


def check_diagnostics(
    data: bytes, lines: list[bytes], config: Settings, found: list[Diagnostic]
) -> None:
    count = max(1, len(lines))  # an empty file is reported at line 1
    for d in found:
        assert d.code in REGISTRY and REGISTRY[d.code].name == d.name, d
        assert 1 <= d.line <= count, f"line {d.line} of {len(lines)}: {d}"
        assert d.end_line == d.line, d
        assert 1 <= d.column <= d.end_column, d
        # Columns count code points of the decoded line; one just past its end is one wide.
        width = (
            len(lines[d.line - 1].removesuffix(b"\n").decode("utf-8", "replace")) if lines else 0
        )
        assert d.column <= width + 1 and d.end_column <= max(width + 1, d.column + 1), d
    keys = [(d.line, d.column, d.code) for d in found]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys), "not sorted by line"
    assert keys == sorted(keys), "a line's diagnostics not sorted by column and code"
    size_reports = sum(d.code == "MIC006" for d in found)
    if len(data) <= config.max_file_size:
        assert size_reports == 0, "MIC006 in a small file"
    elif not any(d.code == "MIC009" for d in found):
        assert size_reports == 1, f"MIC006 reported {size_reports} times"
    if not config.show_values:
        text = data.decode("utf-8", "replace")
        for d in found:
            for match in ADDRESS_FROM_EACH.finditer(d.message):
                assert match.group(1) not in text, f"{match.group(1)!r} printed: {d}"


def check(data: bytes, size_known: bool) -> None:
    lines = reference_lines(data)
    size = len(data) if size_known else None
    for name, config in SETTINGS.items():
        found = list(lint_lines(lines, PATH, config, size=size))
        check_diagnostics(data, lines, config, found)
        if config.fast_path:
            slow = list(
                lint_lines(lines, PATH, dataclasses.replace(config, fast_path=False), size=size)
            )
            assert records(found) == records(slow), f"fast path changed diagnostics ({name})"
        stream = io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]
        try:
            streamed = list(linter_module.lint_stream(stream, PATH, config, size=size))
        except ReadError:
            continue  # a binary file: the only exception allowed, and only here
        assert records(streamed) == records(found), f"lint_stream != lint_lines ({name})"


def fuzz_one_input(data: bytes) -> None:
    # Whether the size is known in advance (MIC006 at line 1, or where the limit is passed):
    # from the input's length, so that a crash file replays the same way.
    check(data, size_known=len(data) % 2 == 0)


def main() -> None:
    atheris.Setup(sys.argv, fuzz_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
