"""Files named by URL (`s3://bucket/prefix/`, `gs://`, `az://`, `memory://`...), through
fsspec.

fsspec and the protocol packages are optional extras (`mics-lint[s3]`, `[gcs]`,
`[azure]`): this module imports them only when a URL is checked, so that local paths never
pay for them. Credentials come from each library's own sources (environment, config files,
instance roles) or `--storage-option`; nothing of them is ever shown: a URL is displayed
without its user information and query string (a signed URL's signature), and error
messages are scrubbed of the storage options' values.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO, TextIO

from mics_lint.discovery import is_hidden, is_import_name
from mics_lint.lazyre import compiled
from mics_lint.names import printable
from mics_lint.reading import gzip_named

#: Protocol -> (the package fsspec needs for it, the extra that brings it); None: fsspec's own.
EXTRAS: dict[str, tuple[str, str] | None] = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
    "hdfs": ("pyarrow", "hdfs"),
    "http": ("aiohttp", "http"),  # a presigned URL, say
    "https": ("aiohttp", "http"),
    "memory": None,
    "file": None,
}
# Compiled at first use, and tried only on a path holding "://" (start-up, issue 14).
_URL = compiled(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
# In messages: a URL's user information (to its last "@": a password may hold one), and
# its query string (a signature, a token). Compiled on first use (re's cache): a run with
# no URL and no error never needs them, and compiling at import costs every start-up.
_USERINFO = r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s'\"]*@"
_QUERY = r"(://[^\s'\"?]*)\?[^\s'\"]*"
# Where "user@" names no credential: Azure's container@account.
_CONTAINER_AT = ("az://", "abfs://", "abfss://")

# Set once per run (and on each Dask worker, from its task): the storage options of every URL.
_options: dict[str, Any] = {}
# The query strings of the URLs used in this run: masked in any message, where a library
# may quote them without their scheme (botocore's "Invalid bucket name").
_queries: set[str] = set()


class RemoteError(Exception):
    """A URL that cannot be used (a missing package, a bad option): one line, exit 2."""


def is_url(path: object) -> bool:
    """Whether `path` names a URL (`scheme://...`) rather than a local path."""
    return isinstance(path, str) and "://" in path and _URL.match(path) is not None


def shown(url: str) -> str:
    """The URL as reports show it: no user information, no query string, no fragment."""
    if not url.lower().startswith(_CONTAINER_AT):
        url = re.sub(_USERINFO, r"\1", url)
    return url.split("?", 1)[0].split("#", 1)[0]


def credentials(url: str) -> bool:
    """Whether a URL (or a part of a chained one, `zip://x::s3://...`) holds credentials,
    which libraries quote in their messages: a password (`user:secret@`), or any user
    information of an object store (`s3://KEY@bucket`); an HDFS or SFTP user name alone is
    none."""
    for part in url.split("::"):
        found = re.match(_USERINFO, part)
        if found is None or part.lower().startswith(_CONTAINER_AT):
            continue
        userinfo = part[found.end(1) : found.end() - 1]
        scheme = found.group(1)[:-3].lower()
        if ":" in userinfo or scheme in ("s3", "s3a", "gs", "gcs"):
            return True
    return False


def usable(url: str, what: str) -> str:
    """`url` if it may be used; RemoteError for credentials in it (never shown)."""
    if credentials(url):
        raise RemoteError(
            f"{what}{shown(url)}: credentials in a URL are not read (libraries would print "
            "them): give them through the environment, a profile or --storage-option"
        )
    query = url.partition("?")[2]
    if query:
        _queries.add(query)
    return url


def identity(url: str) -> str:
    """What a URL names, for telling two apart: its shown form with the protocol's aliases
    made one (`s3a://` is `s3://`)."""
    bare = shown(url)
    scheme, sep, rest = bare.partition("://")
    return f"{_ALIASES.get(scheme.lower(), scheme.lower())}{sep}{rest}"


_ALIASES = {"s3a": "s3", "gcs": "gs", "abfss": "abfs"}


def local_path(url: str) -> str | None:
    """The local path a `file://` URL names (written to as a local file is: atomically)."""
    if not url.lower().startswith("file://"):
        return None
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return unquote(parts.path) if parts.netloc in ("", "localhost") and parts.path else None


def scrub(text: str) -> str:
    """A message with no credential in it: URLs shown bare, storage options' values and the
    run's query strings masked."""
    text = re.sub(_QUERY, r"\1", re.sub(_USERINFO, r"\1", text))
    for value in (*_secrets(_options), *_queries):
        text = text.replace(value, "***")
    return text


def _secrets(options: Mapping[str, Any]) -> Iterator[str]:
    for value in options.values():
        if isinstance(value, Mapping):
            yield from _secrets(value)
        elif isinstance(value, str) and len(value) >= 4 and not value.startswith("http"):
            yield value  # an endpoint URL is not a secret, and masking it hides the cause


def configure(options: Mapping[str, Any]) -> None:
    """The storage options of every URL from now on (in this process)."""
    _options.clear()
    _options.update(options)


def setup(items: Iterable[str], config: Mapping[str, object], where: str) -> None:
    """The storage options of this run: `--storage-option` over the config's table."""
    table = config.get("storage-options", {})
    if not isinstance(table, Mapping):
        raise RemoteError(f'{where}: storage-options must be a table (endpoint_url = "...")')
    configure(parse_options(items, table))


def current_options() -> dict[str, Any]:
    return dict(_options)


def parse_options(items: Iterable[str], table: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`--storage-option KEY=VALUE` items over a config's `storage-options` table.

    A value `true`/`false` is a boolean, digits an integer (`anon=true`,
    `default_block_size=1048576`), `{...}` or `[...]` JSON (`config_kwargs={...}`);
    anything else stays a string (`endpoint_url=...`).
    """
    result = dict(table or {})
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            # The item is not shown: it may be a credential given without its key.
            raise RemoteError("--storage-option: expected KEY=VALUE (endpoint_url=https://...)")
        result[key.strip()] = _value(key.strip(), value)
    return result


def _value(key: str, text: str) -> Any:
    if text.startswith(("{", "[")):
        import json

        try:
            return json.loads(text)
        except ValueError:
            raise RemoteError(f"--storage-option: the value of {key} is not valid JSON") from None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.isdigit():
        return int(text)
    return text


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path in it) for a URL; RemoteError if it cannot be had."""
    usable(url, "")
    protocol = _URL.match(url)
    scheme = protocol.group(1).lower() if protocol else ""
    needed = EXTRAS.get(scheme)
    try:
        import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        extra = needed[1] if needed else "s3"  # memory://, file://: any extra brings fsspec
        local = local_path(url)
        instead = f", or give the path itself: {local}" if local else ""
        raise RemoteError(
            f"{shown(url)}: reading URLs needs fsspec: pip install 'mics-lint[{extra}]'{instead}"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(url, **_options)
    except ImportError as exc:
        if needed is None:  # a protocol of fsspec's with no extra of ours (sftp://...)
            raise RemoteError(f"{shown(url)}: {scrub(str(exc))}") from None
        package, extra = needed
        message = f"{shown(url)}: {scheme}:// needs {package}: pip install 'mics-lint[{extra}]'"
        raise RemoteError(message) from None
    except Exception as exc:  # an unknown protocol, a bad option, a library that fails to start
        raise RemoteError(f"{shown(url)}: {reason(exc)}") from None
    return fs, path


def reason(exc: BaseException) -> str:
    """Why a remote operation failed, in a few words and without credentials."""
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    return scrub(text)


def expand(url: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A URL's files as (url, display): the file, or a prefix's import files; and errors."""
    try:
        fs, path = filesystem(url)
    except RemoteError as exc:
        return [], [str(exc)]
    try:
        if not url.endswith("/") and fs.isfile(path):
            return [(url, printable(shown(url)))], []
        if not fs.isdir(path):
            return [], [f"cannot read {shown(url)}: no such file or directory"]
        names = fs.find(path)
    except Exception as exc:  # the library's own errors: botocore's, aiohttp's...
        return [], [f"cannot read {shown(url)}: {reason(exc)}"]
    base, prefix = path.rstrip("/"), url.split("?", 1)[0].rstrip("/")
    found = []
    for name in sorted(names):
        relative = name[len(base) :].lstrip("/") if name.startswith(base) else name
        *folders, name_only = relative.split("/")
        if name_only.startswith(".") or any(map(is_hidden, folders)):
            continue  # hidden names, as in a local folder (.git, .staging/, _temporary/)
        if is_import_name(name_only):
            # Named from the URL given; shown without its query, and with the control
            # characters an object's key may hold escaped, as a local file's name is.
            shown_as = printable(shown(f"{prefix}/{relative}"))
            found.append((f"{prefix}/{relative}", shown_as))
    return found, []


def size(url: str) -> int | None:
    """The object's size in bytes (None for a .gz or when it cannot be told)."""
    if gzip_named(shown(url)):
        return None
    try:
        fs, path = filesystem(url)
        return int(fs.size(path))
    except Exception:
        return None  # the read reports it


def open_input(
    url: str,
    name: str,
    files: contextlib.ExitStack,
    on_read: Callable[[int], None] | None = None,
) -> tuple[BinaryIO, int | None]:
    """As reading.open_input, for a URL; a ReadError names the URL without credentials."""
    from mics_lint.reading import Counted, ReadError

    try:
        fs, path = filesystem(url)
    except RemoteError as exc:
        raise ReadError(str(exc)) from None
    try:
        raw: Any = files.enter_context(contextlib.closing(_Raw(fs.open(path, "rb"))))
        length = None if gzip_named(shown(url)) else raw.size
    except Exception as exc:
        raise ReadError(f"{name}: {reason(exc)}") from None
    if on_read is not None:
        raw = Counted(raw, on_read)
    handle: Any = io.BufferedReader(raw, 1 << 20)
    if gzip_named(shown(url)):
        import gzip

        handle = files.enter_context(gzip.GzipFile(fileobj=handle, mode="rb"))
    return handle, length


def open_binary(url: str) -> BinaryIO:
    """A URL opened for reading with seeks (a chunk of it, parallel.py); OSError if not."""
    try:
        fs, path = filesystem(url)
        # Blocks of 4 MiB: a chunk is read from its start, and s3fs's default (50 MiB)
        # would fetch several chunks' worth for each one.
        return io.BufferedReader(_Raw(fs.open(path, "rb", block_size=4 << 20)), 1 << 20)
    except Exception as exc:  # botocore's and aiohttp's errors are not OSErrors
        raise OSError(reason(exc)) from None


class _Raw(io.RawIOBase):
    """An fsspec file as a raw file whose every failure is an OSError without credentials:
    a dropped connection is then a ReadError for its file, as a local read error is."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.size = int(getattr(handle, "size", 0) or 0) or None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.handle.read(len(buffer))
        except Exception as exc:
            raise OSError(reason(exc)) from None
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return int(self.handle.seek(offset, whence))

    def tell(self) -> int:
        return int(self.handle.tell())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.handle.close()
        super().close()


@contextlib.contextmanager
def write_url(url: str) -> Iterator[TextIO]:
    """A report written to a local temporary file, then uploaded in one piece once complete:
    an interrupted run leaves no object, or the previous one, never half a report."""
    import click

    try:
        fs, path = filesystem(url)
    except RemoteError as exc:
        raise click.ClickException(f"cannot write {exc}") from None
    import tempfile  # only when a report goes to a URL: start-up stays short

    fd, temp = tempfile.mkstemp(prefix=".mics-lint-report.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as stream:
            yield stream
        try:
            fs.put_file(temp, path)
        except Exception as exc:
            raise click.ClickException(f"cannot write {shown(url)}: {reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
