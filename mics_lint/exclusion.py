"""Which files a folder search leaves out: the config's `exclude` and `extend-exclude`
globs, and the command line's.

As ruff's: a folder that matches is not searched at all, a file that matches is not
checked; a path named on the command line is checked whatever the globs say, unless
`force-exclude` is on (pre-commit names every staged file: its hook turns it on). A glob
matches as `per-file-ignores` globs do (settings.path_matches): the path relative to the
config file's folder, the path as found, or the name alone; a file is left out also when
one of the folders above it, up to that folder, matches (`exclude = ["fixtures"]` leaves
out `tests/fixtures/bad/a.ndjson`).

No printing, no exiting: discovery.py asks, checking.py builds it.
"""

# No `from __future__ import annotations` here: the NamedTuple's fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).

import os
from typing import TYPE_CHECKING

from mics_lint.startup import Fields

if TYPE_CHECKING:  # pathlib is imported where a path is made: start-up (issue 14)
    from pathlib import Path

    from mics_lint.config import FileConfig


class Exclusion(Fields):
    """The globs of one run, the folder they are relative to, and whether they apply to
    paths named on the command line too."""

    globs: tuple[str, ...] = ()
    root: "Path | None" = None
    force: bool = False

    def leaves_out(self, path: str) -> bool:
        """Whether a file or folder met while searching is left out: its own path or name
        matches (the folders above it were asked on the way down)."""
        if not self.globs:
            return False
        from mics_lint.settings import path_matches

        return any(path_matches(path, glob, self.root) for glob in self.globs)

    def leaves_out_named(self, path: str) -> bool:
        """Whether a path named on the command line is left out: only under `force`, when
        it or a folder above it (up to the config's folder) matches."""
        return self.force and any(map(self.leaves_out, _self_and_folders(path, self.root)))


def _self_and_folders(path: str, root: "Path | None") -> list[str]:
    """`path`, then each folder above it up to `root` (not `root` itself or above), or, for
    a path outside it, each folder the path names."""
    found = [path]
    if root is not None:
        absolute = os.path.abspath(path)
        top = os.path.abspath(root)
        if os.path.commonpath([absolute, top]) == top:
            folder = os.path.dirname(absolute)
            while folder != top and len(folder) > len(top):
                found.append(folder)
                folder = os.path.dirname(folder)
            return found
    folder = os.path.dirname(os.path.normpath(path))
    while folder not in ("", os.sep, os.curdir):
        found.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return found


def exclusion_of(
    config: "FileConfig | None",
    exclude: tuple[str, ...] = (),
    extend_exclude: tuple[str, ...] = (),
    force_exclude: bool | None = None,
) -> Exclusion:
    """The run's exclusion: `--exclude` (comma-separated globs, repeatable) replaces the
    config's `exclude`, `--extend-exclude` adds to both, as ruff's options do; globs are
    relative to the config file's folder, else to the current folder. Raises ConfigError
    for a bad glob."""
    from mics_lint.config import parse_globs

    def split(values: tuple[str, ...]) -> list[str]:
        return [part for value in values for part in value.split(",") if part.strip()]

    globs = (
        parse_globs(split(exclude), "--exclude")
        if exclude
        else (config.exclude or () if config else ())
    )
    globs += (config.extend_exclude if config else ()) + parse_globs(
        split(extend_exclude), "--extend-exclude"
    )
    force = force_exclude if force_exclude is not None else bool(config and config.force_exclude)
    if not globs:
        return Exclusion(force=force)
    from pathlib import Path

    root = config.path.parent if config else Path.cwd()
    return Exclusion(tuple(dict.fromkeys(globs)), root, force)
