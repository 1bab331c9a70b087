"""Which files a check reads: the paths given, folders searched for import files, or -."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from mics_lint.exclusion import Exclusion
from mics_lint.exits import fail, to_stderr
from mics_lint.names import printable
from mics_lint.targets import is_stdin

IMPORT_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
#: Spark's and Hadoop's output files (`part-00000-<uuid>-c000.json`, `.json.gz`): JSON
#: Lines whatever their suffix, and never a config or a schema, as another `.json` may be.
PART_SUFFIXES = (".json", ".json.gz")
_NONE = Exclusion()  # no glob: nothing left out


def is_import_name(name: str) -> bool:
    """Whether a file found in a folder (or under a URL's prefix) is searched: an import
    file's suffix, or a Spark part file's name (`part-` and its number)."""
    lower = name.lower()  # a Windows export's X.NDJSON too
    return lower.endswith(IMPORT_SUFFIXES) or (
        lower.startswith("part-") and lower[5:6].isdigit() and lower.endswith(PART_SUFFIXES)
    )


def is_hidden(name: str) -> bool:
    """A folder's name skipped when searching: hidden (`.git`), or Hadoop's and Spark's
    (`_temporary`, a running or failed job's attempts; `_delta_log`)."""
    return name.startswith((".", "_"))


class Source:
    """One input as the command line named it. A plain class: a dataclass would cost every
    start-up more to make than it gives (issue 14)."""

    __slots__ = ("display", "path", "stream")

    def __init__(self, display: str, path: str | None, stream: BinaryIO | None = None) -> None:
        self.display = display
        self.path = path  # None: standard input
        self.stream = stream  # standard input once fixed (--fix), read again


def expand(
    paths: Sequence[str], stdin_name: str, exclusion: Exclusion = _NONE
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Files to check, each once, sorted by the name shown; and the paths that could not be
    read, each (name, the error line said on stderr), for the reports to name too. What
    `exclusion` leaves out is not searched, nor checked when named (with force-exclude)."""
    found: dict[str, Source] = {}
    failed: list[tuple[str, str]] = []

    def failure(name: str, message: str) -> None:
        fail(message)
        failed.append((name, message))

    for given in paths:
        stdin = given != "-" and is_stdin(given)  # resolves the path: once
        named = stdin_name if given == "-" or stdin else given
        if named != "-" and not is_url(named) and exclusion.leaves_out_named(named):
            continue  # pre-commit's staged file in an excluded folder, as ruff's hook
        if given == "-":
            found.setdefault("-", Source(printable(stdin_name), None))
        elif stdin:
            # /dev/stdin, /dev/fd/0: standard input, never the file it is open on (which
            # --fix would rewrite in place, and the check would then read changed).
            name = printable(stdin_name if stdin_name != "-" else given)
            found.setdefault("-", Source(name, None))
        elif is_url(given):  # fsspec is imported only here, for a URL
            from mics_lint import remote

            urls, errors = remote.expand(given)
            for url, display in urls:
                found.setdefault(url, Source(display, url))
            if not urls and not errors:
                _none_found(remote.shown(given))
            for error in errors:
                failure(remote.shown(given), error)
        elif os.path.isdir(given):
            searched = 0  # found here, if found before too (`check . exports`)
            unreadable: list[OSError] = []
            for path in walk(given, unreadable.append, exclusion=exclusion):
                found.setdefault(os.path.realpath(path), Source(printable(path), path))
                searched += 1
            if not searched and not any(e.filename == given for e in unreadable):
                # not for an unreadable one
                _none_found(printable(given), _json_files(given), _left_out(given, exclusion))
            for exc in unreadable:
                name = printable(str(exc.filename))
                failure(name, f"cannot read {name}: {exc.strerror or exc}")
        elif os.path.exists(given):
            found.setdefault(os.path.realpath(given), Source(printable(given), given))
        else:
            failure(printable(given), f"cannot read {printable(given)}: {_why_missing(given)}")
    return sorted(found.values(), key=lambda s: s.display), failed


def _why_missing(given: str) -> str:
    """Why `given` is not there: the system's own reason (`a.ndjson/` is "not a directory",
    a name of 300 characters "file name too long"), in lower case."""
    try:
        os.stat(given)
    except OSError as exc:
        if exc.strerror:
            return exc.strerror[:1].lower() + exc.strerror[1:]
    except ValueError:  # a NUL in the name
        return "not a valid file name"
    return "no such file or directory"


def _left_out(top: str, exclusion: Exclusion) -> tuple[int, bool]:
    """How many import files the excludes left out of a search that found none (all that
    a search without them finds), and whether force-exclude is on."""
    count = sum(1 for _ in walk(top, lambda exc: None)) if exclusion.globs else 0
    return count, exclusion.force


def _none_found(
    folder: str, json_files: tuple[int, bool] = (0, False), left_out: tuple[int, bool] = (0, False)
) -> None:
    # As ruff does: a warning, not a failure (an empty export folder is normal). A folder
    # of `.json` files (Spark's part-*.json, pandas' to_json) is named, since CI would
    # otherwise pass it unchecked: a folder's .json files are not searched (a config, a
    # schema), and a file named on the command line is checked whatever its name.
    hint = ""
    count, zipped = json_files
    if count:
        one = count == 1
        hint = (
            f"; it holds {count:,} .json file{'' if one else 's'}: if "
            f"{'it is a JSON Lines export' if one else 'they are JSON Lines exports'}, "
            f"name {'it' if one else 'them'}: mics-lint check {folder.rstrip('/')}/"
            + ("*.json*" if zipped else "*.json")  # `*.json*`: the .json.gz ones too
        )
    count, forced = left_out
    if count:  # the excludes' doing: said, not the .json files' hint
        one = count == 1
        hint = f"; the excludes left out {count:,} import file{'' if one else 's'} in it " + (
            "(--no-force-exclude checks a file named on the command line)"
            if forced
            else "(a file named on the command line is checked)"
        )
    looked = ", ".join("*" + s for s in IMPORT_SUFFIXES)
    parts = " and ".join("part-*" + s for s in PART_SUFFIXES)
    to_stderr(
        f"mics-lint: warning: no import files in {folder} (looked for {looked}, and "
        f"Spark's {parts}){hint}",
    )


def _json_files(top: str) -> tuple[int, bool]:
    """How many `.json` or `.json.gz` files a folder holds, and whether some are `.gz`."""
    found = list(walk(top, lambda exc: None, lambda n: n.lower().endswith(PART_SUFFIXES)))
    return len(found), any(p.lower().endswith(".gz") for p in found)


def walk(
    top: str,
    on_error: Callable[[OSError], None],
    wanted: Callable[[str], bool] = is_import_name,
    exclusion: Exclusion = _NONE,
) -> Iterator[str]:
    # Hidden folders (.git, .venv, Spark's _temporary) are skipped when searching, as ruff
    # skips the first ones, and so are folders the excludes match; links to
    # folders are not followed (no loops); a folder that can't be read is an error.
    for folder, dirs, files in os.walk(top, onerror=on_error):
        dirs[:] = sorted(
            d
            for d in dirs
            if not is_hidden(d) and not exclusion.leaves_out(os.path.join(folder, d))
        )
        for name in sorted(files):
            path = os.path.join(folder, name)
            if wanted(name) and not exclusion.leaves_out(path):
                yield path


def shown_url(url: str) -> str:
    """remote.shown (a URL without its credentials), importing remote.py only when a URL
    is to be shown."""
    from mics_lint import remote

    return remote.shown(url)


def is_url(path: str | None) -> bool:
    """remote.is_url, importing remote.py only for a path that may be one: a run on local
    files never needs it (start-up, issue 14)."""
    if path is None or "://" not in path:
        return False
    from mics_lint import remote

    return remote.is_url(path)
