"""Settings (mics_lint.settings) from config files and command-line options.

Rule selection follows ruff: `select` replaces the set of rules, `extend-select` adds to it,
`ignore` removes from it; within one source the longest matching prefix decides, and `ignore`
wins a tie. Sources apply in order, the config file first and command-line options last, so
options beat the file.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Severity
from mics_lint.doctypes import find
from mics_lint.rules import REGISTRY
from mics_lint.rules.framing import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_LINE_BYTES
from mics_lint.settings import DEFAULT_PROFILE_FORM as DEFAULT_PROFILE_FORM
from mics_lint.settings import MAX_SIZE as MAX_SIZE
from mics_lint.settings import PROFILE_FORMS as PROFILE_FORMS
from mics_lint.settings import ActiveRules as ActiveRules
from mics_lint.settings import Selection as Selection
from mics_lint.settings import Settings as Settings
from mics_lint.settings import glob_error, not_a_type
from mics_lint.startup import Fields

if TYPE_CHECKING:  # pathlib (with urllib.parse) is imported where a path is made: issue 14
    from pathlib import Path

CONFIG_FILES = ("mics-lint.toml", ".mics-lint.toml", "pyproject.toml")
KEYS = (
    *("select", "ignore", "extend-select", "per-file-ignores", "severity", "max-file-size"),
    *("doc-types", "max-line-bytes", "profile-form", "datamart-schema"),
    *("storage-options", "scheduler"),  # where files are read and run: remote.py, cluster.py
    *("exclude", "extend-exclude", "force-exclude"),  # which files a search finds: exclusion.py
)

_SIZE = r"(?i)^\s*(\d+)\s*([KMGTP]i?B?|B)?\s*$"  # compiled by re on first use (issue 14)
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "P": 1000**5}


class ConfigError(Exception):
    """A bad option value or config file: the CLI prints it as one line and exits 2."""


#: The fast path starts at this line by default: a short file is done before importing
#: msgspec would be.
DEFAULT_FAST_PATH_FROM = 200
#: ...and at this one where msgspec is imported already (an earlier file went past line
#: 200): setting the fast path up costs a file about 0.3 ms, the full checks about 45 µs a
#: line, so it pays past about 17 lines. Spark's part files, of a few hundred lines each,
#: took the full checks for 200 lines each (docs/performance.md).
WARM_FAST_PATH_FROM = 10


def default_fast_path_from() -> int:
    """The line a file's fast path may start at where `Settings.fast_path_from` is None."""
    if "msgspec" in sys.modules:
        return min(WARM_FAST_PATH_FROM, DEFAULT_FAST_PATH_FROM)  # tests lower the default
    return DEFAULT_FAST_PATH_FROM


# -- reading options and config files -------------------------------------------------------


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """suggest.did_you_mean, imported with a mistake only (start-up, issue 14)."""
    from mics_lint.suggest import did_you_mean as suggested

    return suggested(word, candidates)


def check_selectors(selectors: Iterable[str], where: str) -> tuple[str, ...]:
    result = []
    for selector in selectors:
        selector = selector.strip()
        if not selector:
            continue
        if not REGISTRY.matching(selector):
            names = [*REGISTRY, *(r.name for r in REGISTRY.values())]
            # A letter O typed for a zero (MIC2O2) is that code, not the nearest by letters.
            digits = selector[:3] + selector[3:].upper().replace("O", "0")
            meant = f'; did you mean "{digits}"?' if REGISTRY.matching(digits) else ""
            raise ConfigError(
                f"{where}: unknown rule code or prefix {selector!r}"
                f"{meant or did_you_mean(selector, names)}"
            )
        result.append(selector)
    return tuple(result)


def split_codes(values: Iterable[str]) -> list[str]:
    """Option values may repeat and hold comma-separated lists: --select MIC1,MIC3."""
    return [part for value in values for part in value.split(",") if part.strip()]


def parse_size(value: object, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        size = value
    else:
        match = re.match(_SIZE, value) if isinstance(value, str) else None
        if match is not None and len(match.group(1).lstrip("0")) > 20:  # past 8 PiB anyway
            raise ConfigError(
                f"{where}: {value!r} is too large: at most {MAX_SIZE:,} bytes (8 PiB)"
            )
        if (match is not None and int(match.group(1)) == 0) or (type(value) is int and not value):
            raise ConfigError(f"{where}: {value!r} is no size: give at least 1 byte")
        if match is None:
            raise ConfigError(
                f"{where}: {value!r} is not a size: give bytes, or a number with KB, MB, GB, "
                "TB, PB, KiB, MiB, GiB, TiB or PiB"
            )
        unit = (match.group(2) or "").upper()
        factor = _UNITS[unit[:1]] if "I" not in unit else 1024 ** " KMGTP".index(unit[0])
        size = int(match.group(1)) * factor
    if size > MAX_SIZE:
        raise ConfigError(f"{where}: {value!r} is too large: at most {MAX_SIZE:,} bytes (8 PiB)")
    return size


def parse_severities(items: Mapping[str, object], where: str) -> dict[str, Severity]:
    result: dict[str, Severity] = {}
    for key, level in items.items():
        found = REGISTRY.lookup(key)
        rules = REGISTRY.matching(key) if found is None else []
        if rules:
            covered = ", ".join(r.code for r in rules[:4]) + (", ..." if len(rules) > 4 else "")
            raise ConfigError(
                f"{where}: {key!r} is a prefix ({covered}): a severity is set for one rule, "
                "by its code or its name"
            )
        if found is None:
            raise ConfigError(f"{where}: unknown rule {key!r}{did_you_mean(key, list(REGISTRY))}")
        if not isinstance(level, str):
            raise ConfigError(f"{where}: severity of {key} must be 'error' or 'warning'")
        try:
            result[found.code] = Severity.parse(level)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
    return result


def parse_per_file_ignores(
    items: Mapping[str, object], where: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    result = []
    for pattern, codes in items.items():
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{where}: per-file-ignores of {pattern!r} must be a list of codes")
        result.append((_glob(pattern, where), check_selectors(codes, f"{where}: per-file-ignores")))
    return tuple(result)


def _glob(pattern: str, where: str) -> str:
    error = glob_error(pattern)
    if error is not None:
        raise ConfigError(f"{where}: {error}")
    return pattern


def find_config(start: str | os.PathLike[str]) -> "Path | None":
    """The nearest config file at or above `start`: mics-lint.toml, .mics-lint.toml, or a
    pyproject.toml that has a [tool.mics-lint] table; ConfigError for one not readable."""
    below, folder = "", os.fspath(start)  # os.path: most runs find none (start-up, issue 14)
    while folder != below:
        for name in CONFIG_FILES:
            if os.path.isfile(found := os.path.join(folder, name)):
                from pathlib import Path

                if name != "pyproject.toml" or _has_tool_table(Path(found)):
                    return Path(found)
        below, folder = folder, os.path.dirname(folder)
    return None


def _has_tool_table(path: "Path") -> bool:
    import tomllib  # only when there is a file to read: start-up stays short

    try:  # not skipped when unreadable: the defaults would apply silently
        text = path.read_bytes().decode("utf-8", errors="replace")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, RecursionError):
        # Broken TOML is ours to report only when it holds our table.
        return "[tool.mics-lint" in text
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "mics-lint" in tool:
        return isinstance(tool, dict)
    # [tool.mics_lint] (the package's name), [mics-lint]: meant for us, and else ignored.
    near = [f"tool.{k}" for k in tool if _ours(k)] + [k for k in data if _ours(k)]
    if near:
        raise ConfigError(f"{path}: [{near[0]}] is not read: the table is [tool.mics-lint]")
    return False


def _ours(name: str) -> bool:
    return "".join(c for c in name.lower() if c.isalpha()) == "micslint"


class FileConfig(Fields):  # a NamedTuple, as Selection, for start-up (issue 14)
    """One config file's [tool.mics-lint] table, read and validated."""

    path: "Path"
    selection: Selection
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    severity: dict[str, Severity]
    max_file_size: int | None
    remote: dict[str, object]  # storage-options, scheduler
    max_line_bytes: int | None = None
    doc_types: tuple[tuple[str, str], ...] = ()
    profile_form: str | None = None
    datamart_schemas: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] | None = None  # None: not set (the default, none)
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False


#: A config file larger than this is refused (a device such as /dev/zero never ends).
CONFIG_LIMIT = 16 << 20


def load_config(path: "Path") -> FileConfig:
    """Read and validate one config file; raise ConfigError naming the file and the key."""
    import tomllib

    from mics_lint.datamart.settings import parse_datamart_key  # only with a config file
    from mics_lint.reading import read_small

    where = str(path)
    text = ""
    try:
        text = read_small(path, CONFIG_LIMIT).decode("utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {where}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib nests by recursion: 100,000 "[" exceed Python's stack
        lines = text.splitlines()
        deepest = max(lines, key=lambda line: line.count("["), default="")
        key = deepest.partition("=")[0].strip()
        raise ConfigError(f"{where}: {key}: not valid TOML: nested too deep") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "mics-lint" not in tool:
            # Only --config names one (the search passes it by): its defaults would pass silently.
            raise ConfigError(f"{where}: no [tool.mics-lint] table, where mics-lint's settings go")
        table: Any = tool["mics-lint"]
        where += ": [tool.mics-lint]"
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    for key in table:
        if key == "tool" and isinstance(table[key], dict) and "mics-lint" in table[key]:
            raise ConfigError(
                f"{where}: unknown key 'tool': {path.name} holds the keys of "
                "[tool.mics-lint] at its top level, without that header"
            )
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, KEYS)}")
    return FileConfig(
        path=path,
        selection=Selection(
            select=_codes(table, "select", where) if "select" in table else None,
            extend_select=_codes(table, "extend-select", where),
            ignore=_codes(table, "ignore", where),
        ),
        per_file_ignores=parse_per_file_ignores(_table(table, "per-file-ignores", where), where),
        severity=parse_severities(_table(table, "severity", where), where + ": severity"),
        max_file_size=(
            parse_size(table["max-file-size"], where + ": max-file-size")
            if "max-file-size" in table
            else None
        ),
        max_line_bytes=(
            parse_size(table["max-line-bytes"], where + ": max-line-bytes")
            if "max-line-bytes" in table
            else None
        ),
        doc_types=parse_doc_types(_table(table, "doc-types", where), where + ": doc-types"),
        profile_form=(
            parse_profile_form(table["profile-form"], where + ": profile-form")
            if "profile-form" in table
            else None
        ),
        datamart_schemas=parse_datamart_key(table.get("datamart-schema"), path, where),
        remote={k: table[k] for k in ("storage-options", "scheduler") if k in table},
        exclude=parse_globs(table["exclude"], where + ": exclude") if "exclude" in table else None,
        extend_exclude=parse_globs(table.get("extend-exclude", []), where + ": extend-exclude"),
        force_exclude=_flag(table, "force-exclude", where),
    )


def parse_globs(value: object, where: str) -> tuple[str, ...]:
    """A list of globs (`exclude`), each checked (exclusion.py reads them)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of globs")
    globs = []
    for given in value:
        glob = given.strip()
        if glob.lstrip("./") == "" and glob != "/":
            raise ConfigError(f"{where}: {given!r} names no file or folder: remove it")
        globs.append(_glob(glob, where))
    return tuple(globs)


def _flag(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    return value


def parse_profile_form(value: object, where: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in PROFILE_FORMS:
        shown = repr(value)
        hint = did_you_mean(value, PROFILE_FORMS) if isinstance(value, str) else ""
        raise ConfigError(
            f"{where}: unknown profile form {shown}{hint}; use one of {', '.join(PROFILE_FORMS)}"
        )
    return value.strip().lower()


def parse_doc_types(items: Mapping[str, object], where: str) -> tuple[tuple[str, str], ...]:
    """[tool.mics-lint.doc-types]: glob = type (the platform's name or the short one)."""
    result = []
    for pattern, name in items.items():
        found = find(name) if isinstance(name, str) else None
        if found is None:
            raise ConfigError(f"{where}: {pattern!r}: {not_a_type(name)}")
        result.append((_glob(pattern, where), found.name))
    return tuple(result)


def _codes(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of rule codes or prefixes")
    return check_selectors(value, f"{where}: {key}")


def _table(table: Mapping[str, Any], key: str, where: str) -> Mapping[str, object]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table")
    return value


def _cwd_if(needed: object) -> "Path | None":  # no glob, no pathlib (start-up, issue 14)
    if not needed:
        return None
    from pathlib import Path

    return Path.cwd()


def build_settings(
    config: FileConfig | None,
    *,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    per_file_ignores: Sequence[str] = (),
    severity: Sequence[str] = (),
    max_file_size: str | None = None,
    max_line_bytes: str | None = None,
    doc_type: str | None = None,
    profile_form: str | None = None,
    show_values: bool = False,
    datamart_schema: str | None = None,
) -> Settings:
    """Settings from a config file (or none) and command-line values, options last."""
    chosen = None
    if doc_type is not None:
        chosen = find(doc_type)
        if chosen is None:
            raise ConfigError(f"--doc-type: {not_a_type(doc_type)}")
    options = Selection(
        select=check_selectors(split_codes(select), "--select") if select else None,
        extend_select=check_selectors(split_codes(extend_select), "--extend-select"),
        ignore=check_selectors(split_codes(ignore), "--ignore"),
    )
    pfi = []
    for item in per_file_ignores:
        pattern, sep, codes = item.rpartition(":")
        if not sep or not pattern:
            raise ConfigError(f"--per-file-ignores: {item!r} is not GLOB:CODES")
        pfi.append(
            (
                _glob(pattern, "--per-file-ignores"),
                check_selectors(codes.split(","), "--per-file-ignores"),
            )
        )
    levels = {}
    for item in severity:
        code, sep, level = item.partition("=")
        if not sep:
            raise ConfigError(f"--severity: {item!r} is not CODE=LEVEL (MIC304=error)")
        levels[code.strip()] = level.strip()
    cli_severity = parse_severities(levels, "--severity")
    size = (
        parse_size(max_file_size, "--max-file-size")
        if max_file_size is not None
        else (config.max_file_size if config and config.max_file_size else DEFAULT_MAX_FILE_SIZE)
    )
    line_bytes = (
        parse_size(max_line_bytes, "--max-line-bytes")
        if max_line_bytes is not None
        else (config.max_line_bytes if config and config.max_line_bytes else None)
    )
    try:
        return Settings(
            selections=((config.selection,) if config else ()) + (options,),
            per_file_ignores=(config.per_file_ignores if config else ()) + tuple(pfi),
            severity={**(config.severity if config else {}), **cli_severity},
            max_file_size=size,
            max_line_bytes=line_bytes or DEFAULT_MAX_LINE_BYTES,
            doc_type=chosen.name if chosen else None,
            doc_type_globs=config.doc_types if config else (),
            profile_form=(
                parse_profile_form(profile_form, "--profile-form")
                if profile_form is not None
                else (
                    config.profile_form if config and config.profile_form else DEFAULT_PROFILE_FORM
                )
            ),
            root=config.path.parent if config else _cwd_if(pfi),
            show_values=show_values,
            datamart_schemas=((("*", datamart_schema),) if datamart_schema else ())
            + (config.datamart_schemas if config else ()),
        )
    except ValueError as exc:  # what Settings refuses that the checks above let through
        raise ConfigError(str(exc)) from None
