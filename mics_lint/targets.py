"""What a path given to mics-lint really is, before anything is written to it, and the
temporary files beside a file that mics-lint replaces.

A path may name a descriptor (`/dev/stdin`, `/dev/fd/3`, `/proc/self/fd/1`, or a link to
one), a device or a FIFO: none of these may be replaced by renaming a regular file over
it, and `/dev/stdin` is standard input, not the file it happens to be open on. A file
that is replaced is written to a temporary file beside it first; a run killed before the
rename leaves that file behind, and the next write of the same target removes it.

No printing, no exiting: the engine (`fix.py`) and the command (`output.py`) both use it.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mics_lint.lazyre import compiled
from mics_lint.startup import Fields

if TYPE_CHECKING:
    import re

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, so stale files are never removed
    fcntl = None  # type: ignore[assignment]

# /proc/<pid>/fd/<n> (and a thread's): what /dev/stdin, /dev/fd/<n> and /proc/self/fd/<n>
# come to once the folders on their way are resolved. Compiled only for a path in /proc
# (start-up, issue 14).
_DESCRIPTOR = compiled(r"/proc/(\d+)(?:/task/\d+)?/fd/(\d+)")
_MAX_HOPS = 40  # as the kernel's limit on links followed

#: Ends the name of every temporary file mics-lint makes beside a target, so that one left
#: by a killed run can be told from a user's file of a similar name.
TEMP_SUFFIX = ".mics-lint.tmp"
_RANDOM = 8  # characters between prefix and suffix, as tempfile.mkstemp puts
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # tempfile's: remove_stale's shape
_ATTEMPTS = 10000  # tempfile.TMP_MAX
_NAME_MAX = 255


def _hops(path: str) -> list[str]:
    """The path, then each link it leads through, each with its folders resolved; it stops
    at a descriptor, whose link names the open file rather than leading to it."""
    hops: list[str] = []
    current = os.path.abspath(path)
    for _ in range(_MAX_HOPS):
        folder, name = os.path.split(current)
        current = os.path.join(os.path.realpath(folder), name)
        hops.append(current)
        if _descriptor_match(current):
            break
        try:
            target = os.readlink(current)
        except OSError:
            break  # not a link (or not there)
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return hops


def _descriptor_match(path: str) -> "re.Match[str] | None":
    """The match of a /proc descriptor path; the pattern compiled only for a path in /proc."""
    return _DESCRIPTOR.fullmatch(path) if path.startswith("/proc/") else None


def descriptor(path: str) -> tuple[int, int] | None:
    """(process id, descriptor number) when `path` names an open descriptor, else None."""
    for hop in _hops(path):
        found = _descriptor_match(hop)
        if found:
            return int(found[1]), int(found[2])
    return None


def is_stdin(path: str) -> bool:
    """Whether `path` is this process's standard input (`/dev/stdin`, `/dev/fd/0`...)."""
    return descriptor(path) == (os.getpid(), 0)


class Target(Fields):
    """What writing to a path means. (A NamedTuple: a frozen dataclass would cost every
    start-up more to make, issue 14.)"""

    kind: str  # FILE: replace it by renaming; DIRECT: open and write; REFUSED: neither
    what: str = ""  # for DIRECT and REFUSED: what the path is, to name it in a message
    info: os.stat_result | None = None  # the file's, when it exists


FILE, DIRECT, REFUSED = "file", "direct", "refused"


def target(path: str) -> Target:
    """Whether a report may replace `path` (a regular file, or nothing yet), must be
    written to it directly (a descriptor, a character device, a FIFO), or not at all."""
    try:
        info = os.stat(path)
    except OSError:
        info = None
    found = descriptor(path)
    if found is not None:
        return Target(DIRECT, "an open file descriptor", info)
    if info is None or stat.S_ISREG(info.st_mode):
        return Target(FILE, info=info)
    mode = info.st_mode
    if stat.S_ISCHR(mode):
        return Target(DIRECT, "a character device", info)
    if stat.S_ISFIFO(mode):
        return Target(DIRECT, "a FIFO", info)
    if stat.S_ISDIR(mode):
        return Target(REFUSED, "a directory", info)
    if stat.S_ISBLK(mode):
        return Target(REFUSED, "a block device", info)
    if stat.S_ISSOCK(mode):
        return Target(REFUSED, "a socket", info)
    return Target(REFUSED, "not a regular file", info)


def _own_descriptor(path: str) -> int | None:
    """The descriptor of this process that `path` names (/dev/fd/N...), or standard output
    or error where `path` (/dev/stdout, a link to it) is the same regular file."""
    for folder in ("/dev/fd/", "/proc/self/fd/"):
        number = path.removeprefix(folder)
        if number != path and number.isdigit():
            return int(number)
    with contextlib.suppress(OSError):
        info = os.stat(path)
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                if same_file(os.fstat(fd), info):
                    return fd
    return None


def open_direct(path: str, regular: bool) -> int:
    """A descriptor or device opened for writing, as it is: a regular file behind a
    descriptor (`-o /dev/stdout > log`) is appended to, never cut; a FIFO without a reader
    is an error at once (ENXIO), not a wait for ever. One of this process's own
    descriptors is duplicated, not opened anew: a new opening has an offset of its own,
    and in `(echo A; mics-lint check -o /dev/stdout ...; echo B) > log` the shell's next
    write went over the report."""
    own = _own_descriptor(path) if regular else None  # a pipe or a device has no offset
    if own is not None:
        with contextlib.suppress(OSError):  # not open here: opened by its name, as before
            return os.dup(own)
    flags = os.O_WRONLY | os.O_NOCTTY
    flags |= os.O_APPEND if regular else os.O_NONBLOCK
    fd = os.open(path, flags)
    if not regular:
        os.set_blocking(fd, True)
    return fd


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


# -- temporary files beside a target ------------------------------------------------------


def _prefix(target_path: str) -> str:
    """`.NAME.`, NAME cut so that the whole temporary name fits in a folder entry."""
    name = os.fsencode(os.path.basename(target_path))
    room = _NAME_MAX - 2 - _RANDOM - len(TEMP_SUFFIX)
    return "." + os.fsdecode(name[:room]) + "."


class Beside:
    """A new file beside `target`, locked (flock) for as long as it is open here, so that
    `remove_stale` in another run leaves it alone; removed on close unless renamed."""

    def __init__(self, target_path: str) -> None:
        folder = os.path.dirname(target_path) or "."
        self.fd, self.path = _new_file(os.path.abspath(folder), _prefix(target_path))
        self._lock = -1
        self._renamed = False
        if fcntl is not None:
            # A duplicate holds the lock after the caller closes `fd` (the lock belongs to
            # the open file, not to a descriptor), until the rename is done.
            self._lock = os.dup(self.fd)
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def replace(self, target_path: str) -> None:
        os.replace(self.path, target_path)
        self._renamed = True

    def close(self) -> None:
        if not self._renamed:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        if self._lock >= 0:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = -1


def _new_file(folder: str, prefix: str) -> tuple[int, str]:
    """A new file in `folder`, for this user only (0600), named `prefix`, 8 random characters
    and TEMP_SUFFIX: what tempfile.mkstemp makes, made here because importing tempfile
    brings shutil, bz2, lzma and random, a few milliseconds of every check that writes a
    report (issue 14)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        name = "".join(_NAME_CHARS[b % len(_NAME_CHARS)] for b in os.urandom(_RANDOM))
        path = os.path.join(folder, prefix + name + TEMP_SUFFIX)
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No usable temporary file name found")


@contextlib.contextmanager
def beside(target_path: str) -> Iterator[Beside]:
    """A temporary file beside `target_path` (see Beside), always cleaned up."""
    temp = Beside(target_path)
    try:
        yield temp
    finally:
        temp.close()


def remove_stale(target_path: str) -> list[str]:
    """Remove the temporary files of `target_path` left by runs killed before their rename
    (`kill -9`, a crash, a power cut), and return their paths. One is ours when it has our
    name (`.NAME.XXXXXXXX.mics-lint.tmp`), is a regular file of this user with one link,
    and no process holds its lock: a run still writing one keeps it."""
    if fcntl is None:  # pragma: no cover - without locks, a live run's file can't be told
        return []
    folder = os.path.dirname(target_path) or "."
    prefix = _prefix(target_path)
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _temp_of(entry.name, prefix):
            continue
        with contextlib.suppress(OSError):
            if _remove_if_stale(entry.path):
                removed.append(entry.path)
    return removed


def _temp_of(name: str, prefix: str) -> bool:
    """Whether `name` is PREFIX, _RANDOM of _NAME_CHARS, TEMP_SUFFIX: the shape of ours.
    Told without a regular expression, which `re` would compile anew at every write of a
    report (start-up, issue 14)."""
    if len(name) != len(prefix) + _RANDOM + len(TEMP_SUFFIX):
        return False
    if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
        return False
    return all(c in _NAME_CHARS for c in name[len(prefix) : len(prefix) + _RANDOM])


def _remove_if_stale(path: str) -> bool:
    assert fcntl is not None
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            return False
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a running mics-lint is writing it
        if not same_file(os.lstat(path), info):
            return False  # replaced under us since it was opened
        os.unlink(path)
        return True
    finally:
        os.close(fd)
