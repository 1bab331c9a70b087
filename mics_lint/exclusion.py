"""Which files a folder search leaves out: the config's `exclude` and `extend-exclude`
globs, and the command line's (`--exclude`, `--extend-exclude`).

As ruff's: a folder that matches is not searched at all, a file that matches is not
checked; a path named on the command line is checked whatever the globs say, unless
`force-exclude` is on (pre-commit names every staged file: its hook turns it on), and then
a folder above it matching is enough. A glob without a `/` matches a name at any depth
(`fixtures`); one with a `/` (`tests/fixtures`, `./fixtures`, `fixtures/`, `legacy/*.ndjson`)
matches the path relative to its folder: the config file's for the config's globs, the
current folder for the command line's (ruff's rule); one starting with `/` matches the
absolute path. A link is matched by its own path, not its target's.

No printing, no exiting: discovery.py asks, checking.py builds it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re

    from mics_lint.config import FileConfig


#: What `exclude` is when neither the config nor `--exclude` says: the folders ruff leaves
#: out by default that a search does not skip already as hidden (`.venv`, `.git`) or as
#: Hadoop's (`_build`): installed packages and their data, never an import's files.
DEFAULT_EXCLUDE = ("node_modules", "site-packages", "venv")


class Exclusion:
    """The globs of one run, each with the folder it is relative to, and whether they apply
    to paths named on the command line too."""

    __slots__ = ("_compiled", "_top", "force", "globs")

    def __init__(
        self, globs: Sequence[tuple[str, str]] = (), force: bool = False, top: str = ""
    ) -> None:
        """`globs`: (glob, the absolute folder it is relative to), as `exclusion_of` makes
        them (checked by config.parse_globs); `top`: the folder up to which a named path's
        folders are asked (the config's, or the current one without a config)."""
        self.globs = tuple(globs)
        self.force = force
        self._compiled = [_compile(glob, folder) for glob, folder in self.globs]
        self._top = top

    def leaves_out(self, path: str) -> bool:
        """Whether a file or folder met while searching is left out: its own path or name
        matches (the folders above it were asked on the way down)."""
        if not self._compiled:
            return False
        absolute = os.path.abspath(path)  # not resolved: a link is matched by its own path
        name = os.path.basename(absolute)
        for pattern, folder in self._compiled:
            if folder is None:
                if pattern.match(name):
                    return True
            elif not folder:  # a glob of absolute paths
                if pattern.match(absolute):
                    return True
            else:
                relative = _relative(absolute, folder)
                if relative is not None and pattern.match(relative):
                    return True
        return False

    def leaves_out_named(self, path: str) -> bool:
        """Whether a path named on the command line is left out: only under `force`, when
        it or a folder above it (up to the config's folder) matches."""
        return self.force and any(map(self.leaves_out, _self_and_folders(path, self._top)))


def _compile(glob: str, folder: str) -> tuple[re.Pattern[str], str | None]:
    """A glob's pattern, and what it is matched against: None, a name; "", the absolute
    path; a folder, the path relative to it. `**/` may stand for no folder at all."""
    import fnmatch
    import re

    from mics_lint.settings import glob_variants

    anchored = "/" in glob
    while glob.startswith("./"):
        glob = glob[2:]
    glob = glob.rstrip("/") or "/"
    where = ("" if glob.startswith("/") else folder) if anchored else None
    variants = glob_variants(glob)
    return re.compile("|".join(f"(?:{fnmatch.translate(v)})" for v in variants)), where


def _relative(absolute: str, folder: str) -> str | None:
    """`absolute` relative to `folder`, or None when outside it; a path reached through a
    link to a folder inside it counts as inside (its parent resolved, not itself)."""
    if absolute.startswith(folder) and absolute[len(folder) : len(folder) + 1] == os.sep:
        return absolute[len(folder) + 1 :]
    parent = os.path.realpath(os.path.dirname(absolute))
    real = os.path.realpath(folder)
    if parent == real:
        return os.path.basename(absolute)
    if parent.startswith(real + os.sep):
        return os.path.join(parent[len(real) + 1 :], os.path.basename(absolute))
    return None


def _self_and_folders(path: str, top: str) -> list[str]:
    """`path`, then each folder above it up to `top` (not `top` itself or above), or, for
    a path outside it, each folder the path names."""
    found = [path]
    absolute = os.path.abspath(path)
    if top and _relative(absolute, top) is not None:
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
    config: FileConfig | None,
    exclude: tuple[str, ...] = (),
    extend_exclude: tuple[str, ...] = (),
    force_exclude: bool | None = None,
) -> Exclusion:
    """The run's exclusion: `--exclude` (comma-separated globs, repeatable) replaces the
    config's `exclude` (by default DEFAULT_EXCLUDE), `--extend-exclude` adds to both, as
    ruff's options do; the config's
    globs are relative to its folder, the command line's to the current one. Raises
    ConfigError for a bad glob."""
    from mics_lint.config import parse_globs

    def split(values: tuple[str, ...]) -> list[str]:
        return [part for value in values for part in value.split(",") if part.strip()]

    here = current_folder()
    there = str(config.path.parent.absolute()) if config else here
    if exclude:
        globs = [(g, here) for g in parse_globs(split(exclude), "--exclude")]
    else:
        given = config.exclude if config is not None else None
        globs = [(g, there) for g in (DEFAULT_EXCLUDE if given is None else given)]
    globs += [(g, there) for g in (config.extend_exclude if config else ())]
    globs += [(g, here) for g in parse_globs(split(extend_exclude), "--extend-exclude")]
    force = force_exclude if force_exclude is not None else bool(config and config.force_exclude)
    return Exclusion(list(dict.fromkeys(globs)), force, top=there)


def current_folder() -> str:
    """The folder the run starts in, where relative paths, the config search and
    `--exclude` begin; a deleted one is a ConfigError (one line), not an internal error."""
    try:
        return os.getcwd()
    except OSError as exc:
        from mics_lint.config import ConfigError

        raise ConfigError(
            f"the current folder cannot be read ({exc.strerror or exc}; was it deleted?): "
            "run mics-lint from another"
        ) from None
