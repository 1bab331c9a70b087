"""The Python API of the Dask engine: `lint` and `diagnostics_frame` on a client's cluster.

    from distributed import Client
    from mics_lint.distributed import lint, diagnostics_frame

    with Client("tcp://scheduler:8786") as client:
        for diagnostic in lint(["s3://exports/2026-12-01/"], client=client):
            print(diagnostic)
        diagnostics_frame(["s3://exports/"], client=client).to_parquet("s3://reports/run/")

Both run as `mics-lint check --scheduler` does (cluster.py): the diagnostics are the ones
`--jobs 1` reports, in the same order. `diagnostics_frame` needs `dask.dataframe` and pandas
(the `[dask]` extra brings them); its partitions, one per file, are made on the workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mics_lint import remote
from mics_lint.cluster import ClusterRunner, Outcome
from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.discovery import walk
from mics_lint.names import printable
from mics_lint.parallel import CHUNK_BYTES
from mics_lint.reading import ReadError

#: The columns of the frame: the fields of the JSON record (README, "The JSON record").
COLUMNS = (
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "severity",
    "message",
    "doc_type",
)


def lint(
    paths: Iterable[str | os.PathLike[str]],
    client: Any,
    settings: Settings | None = None,
    *,
    storage_options: Mapping[str, Any] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[Diagnostic]:
    """The diagnostics of files, folders and URLs, checked on `client`'s cluster, in the
    order `mics-lint check` reports them. A file that cannot be read raises ReadError
    after the diagnostics of the files before it (and what it gave before failing)."""
    runner = _runner(client, settings, storage_options, chunk_bytes)
    for diagnostics in runner.lint(sources(paths)):
        yield from diagnostics


def diagnostics_frame(
    paths: Iterable[str | os.PathLike[str]],
    client: Any,
    settings: Settings | None = None,
    *,
    storage_options: Mapping[str, Any] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Any:
    """A `dask.dataframe.DataFrame` of the diagnostics (COLUMNS), one partition a file, in
    order. A file that cannot be read fails the computation with its ReadError."""
    try:
        import dask.dataframe as dd
        import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ImportError("diagnostics_frame needs pandas: pip install 'mics-lint[dask]'") from None
    runner = _runner(client, settings, storage_options, chunk_bytes)
    finals = runner.submit(sources(paths))
    for final in finals:
        if isinstance(final, Exception):
            raise ReadError(f"the cluster failed: {remote.reason(final)}", "cannot check")
    parts = [client.submit(records, final, pure=False) for final in finals]
    return dd.from_delayed(parts, meta=pd.DataFrame(records(Outcome([]))), verify_meta=False)


def records(outcome: Outcome) -> Any:
    """On a worker: a file's Outcome as a pandas DataFrame of COLUMNS."""
    import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]

    if outcome.error:
        raise ReadError(outcome.error, outcome.verb)
    rows = [d.to_dict() for d in outcome.diagnostics]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({c: "int64" for c in ("line", "column", "end_line", "end_column")})


def sources(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, str]]:
    """(path, display) of every file named, folders and prefixes searched, as `check` does
    (but raising ReadError for a path that is not there, rather than printing it)."""
    found: dict[str, str] = {}
    for given in (os.fspath(p) for p in paths):
        if remote.is_url(given):
            urls, errors = remote.expand(given)
            if errors:
                raise ReadError(errors[0].removeprefix("cannot read "))
            found.update(urls)
        elif os.path.isdir(given):
            for path in walk(given, _raise):
                found.setdefault(path, printable(path))
        elif os.path.exists(given):
            found.setdefault(given, printable(given))
        else:
            raise ReadError(f"{printable(given)}: no such file or directory")
    return sorted(found.items(), key=lambda item: item[1])


def _raise(exc: OSError) -> None:
    raise ReadError(f"{printable(str(exc.filename))}: {exc.strerror or exc}")


def _runner(
    client: Any,
    settings: Settings | None,
    storage_options: Mapping[str, Any] | None,
    chunk_bytes: int,
) -> ClusterRunner:
    if storage_options is not None:
        remote.configure(storage_options)
    runner = ClusterRunner(settings or Settings(), "", chunk_bytes=chunk_bytes)
    runner.client = client  # the caller's: not closed here
    return runner
