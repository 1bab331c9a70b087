"""The `datamart-schema` config key and the check of the schema files before any line.

The key is either one path (every file) or a table of glob = path, like `doc-types`, for
a repository holding several datamarts' exports; paths are relative to the config file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by config.py: a small check makes no path (issue 14)
    from pathlib import Path


def parse_datamart_key(value: object, config: Path, where: str) -> tuple[tuple[str, str], ...]:
    """(glob, absolute path) pairs from the config's `datamart-schema`, in order."""
    from mics_lint.config import ConfigError  # config imports this module

    if value is None:
        return ()
    items = {"*": value} if isinstance(value, str) else value
    if not isinstance(items, dict) or not all(isinstance(v, str) for v in items.values()):
        raise ConfigError(
            f"{where}: datamart-schema must be a path, or a table of glob = path "
            '("exports/crm/*" = "schema-1234-LIVE.gql")'
        )
    from mics_lint.settings import glob_error

    for glob in items:  # a glob that matches nothing would leave its files unchecked
        if (error := glob_error(glob)) is not None:
            raise ConfigError(f"{where}: datamart-schema: {error}")
    return tuple((glob, str(config.parent / path)) for glob, path in items.items())


def check_schemas(paths: Iterable[str]) -> None:
    """Reads every schema once before any file is checked: a bad one is a ConfigError (one
    line, FILE:LINE:COL), never a problem found halfway through the files."""
    from mics_lint.config import ConfigError
    from mics_lint.datamart.sdl import SchemaError, load

    for path in dict.fromkeys(paths):
        try:
            load(path)
        except SchemaError as exc:
            raise ConfigError(str(exc)) from None
