"""Settings: which rules run on which file, at what severity, from config files and options.

Rule selection follows ruff: `select` replaces the set of rules, `extend-select` adds to it,
`ignore` removes from it; within one source the longest matching prefix decides, and `ignore`
wins a tie. Sources apply in order, the config file first and command-line options last, so
options beat the file.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, NamedTuple

from mics_lint.datamart.settings import parse_datamart_key
from mics_lint.diagnostic import Severity
from mics_lint.doctypes import DOC_TYPES, NAMES, DocType, DocTypeError, detect, find, first_records
from mics_lint.rules import REGISTRY
from mics_lint.rules.framing import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_LINE_BYTES
from mics_lint.suggest import did_you_mean

CONFIG_FILES = ("mics-lint.toml", ".mics-lint.toml", "pyproject.toml")
KEYS = (
    *("select", "ignore", "extend-select", "per-file-ignores", "severity", "max-file-size"),
    *("doc-types", "max-line-bytes", "profile-form", "datamart-schema"),
    *("storage-options", "scheduler"),  # where files are read and run: remote.py, cluster.py
)
#: The two generations of the profile import format, both, or each file's own (decisions.md).
PROFILE_FORMS = ("auto", "force_replace", "update_strategy", "either")
DEFAULT_PROFILE_FORM = "auto"

_SIZE = r"(?i)^\s*(\d+)\s*([KMG]i?B?|B)?\s*$"  # compiled by re on first use (issue 14)
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3}


class ConfigError(Exception):
    """A bad option value or config file: the CLI prints it as one line and exits 2."""


# NamedTuples, frozen as frozen dataclasses are, but quicker to make at import (issue 14).
class Selection(NamedTuple):
    """One source's rule selection (the config file's, or the command line's)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


class ActiveRules(NamedTuple):
    enabled: frozenset[str]
    severity: Mapping[str, Severity]


#: The fast path starts at this line by default: a short file is done before importing
#: msgspec would be.
DEFAULT_FAST_PATH_FROM = 200


@dataclass(frozen=True)
class Settings:
    """Everything that decides what `lint_file` reports; the defaults check every rule."""

    selections: tuple[Selection, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    # The document type of every file (a DOC_TYPES name); None: by `doc_type_globs`, else
    # told from each file's first records (doctypes.detect).
    doc_type: str | None = None
    doc_type_globs: tuple[tuple[str, str], ...] = ()  # (glob, DOC_TYPES name), first match
    # Which profile form USER_PROFILE lines are checked against: one of PROFILE_FORMS.
    profile_form: str = DEFAULT_PROFILE_FORM
    root: Path | None = None  # per-file-ignores and doc-types globs are relative to this
    # Off only to check that it changes nothing (tests) or to measure it (bench).
    fast_path: bool = True
    # The line the fast path may start at (None: DEFAULT_FAST_PATH_FROM). Tests set 1, to
    # hold every fixture's lines to the same output both ways.
    fast_path_from: int | None = None
    # Messages show identifiers whole and profile values (see redact.py): local debugging.
    show_values: bool = False
    # (glob, schema file): the datamart schema of the files matching glob, first match
    # wins; --datamart-schema is ("*", PATH), before the config's (see mics_lint.datamart).
    datamart_schemas: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # The API takes what the command line takes: a short name or the platform's, any case.
        if self.doc_type is not None:
            found = find(self.doc_type)
            if found is None:
                raise ValueError(
                    f"unknown document type {self.doc_type!r}; use one of {', '.join(NAMES)}"
                )
            object.__setattr__(self, "doc_type", found.name)
        if self.profile_form not in PROFILE_FORMS:
            raise ValueError(
                f"unknown profile form {self.profile_form!r}; use one of {', '.join(PROFILE_FORMS)}"
            )

    def enabled_codes(self) -> frozenset[str]:
        enabled = {code: rule.default_on for code, rule in REGISTRY.items()}
        for layer in self.selections:
            for code in REGISTRY:
                decision = _decide(code, layer)
                if decision is not None:
                    enabled[code] = decision
                elif layer.select is not None:
                    enabled[code] = False
        return frozenset(code for code, on in enabled.items() if on)

    def rules_for(self, path: str) -> ActiveRules:
        """The rules that run on `path`, and their severities."""
        enabled = set(self.enabled_codes())
        for pattern, selectors in self.per_file_ignores:
            if _path_matches(path, pattern, self.root):
                for selector in selectors:
                    enabled.difference_update(r.code for r in REGISTRY.matching(selector))
        severity = {code: REGISTRY[code].severity for code in REGISTRY}
        severity.update(self.severity)
        return ActiveRules(frozenset(enabled), severity)

    def datamart_schema_for(self, path: str) -> str | None:
        """The datamart schema file `path` is checked against, if any."""
        pairs = self.datamart_schemas
        return next((s for g, s in pairs if g == "*" or _path_matches(path, g, self.root)), None)

    def doc_type_glob(self, path: str) -> tuple[str, str] | None:
        """The first [tool.mics-lint.doc-types] glob matching `path`, with its type's name."""
        return next((g for g in self.doc_type_globs if _path_matches(path, g[0], self.root)), None)

    def doc_type_for(self, path: str, head: bytes = b"") -> DocType:
        """The document type `path` is checked as: --doc-type, else the first matching
        glob of [tool.mics-lint.doc-types], else told from the records that begin in `head`
        (the file's first bytes). Raises DocTypeError when they do not tell for sure."""
        if self.doc_type is not None:
            return DOC_TYPES[self.doc_type]
        glob = self.doc_type_glob(path)
        if glob is not None:
            return DOC_TYPES[glob[1]]
        found = detect(first_records(head))
        if isinstance(found, DocType):
            return found
        names = " or ".join(sorted(t.short_name for t in found))
        raise DocTypeError(
            f"{path}: its first records could be {names} commands: name the type with "
            f"--doc-type, or with a glob in [tool.mics-lint.doc-types]"
        )


def _decide(code: str, layer: Selection) -> bool | None:
    best: tuple[int, bool] | None = None  # (specificity, is an ignore)
    chosen = (*(layer.select or ()), *layer.extend_select)
    for selectors, is_ignore in ((chosen, False), (layer.ignore, True)):
        for selector in selectors:
            if any(r.code == code for r in REGISTRY.matching(selector)):
                rank = (REGISTRY.specificity(selector), is_ignore)  # ignore wins a tie
                if best is None or rank > best:
                    best = rank
    return None if best is None else not best[1]


def _path_matches(path: str, pattern: str, root: Path | None) -> bool:
    candidates = {path, PurePath(path).name}
    if root is not None and path != "-":
        with contextlib.suppress(ValueError):  # a file outside the project: no relative name
            candidates.add(Path(path).resolve().relative_to(root.resolve()).as_posix())
    return any(fnmatch.fnmatchcase(c, pattern) for c in candidates)


# -- reading options and config files -------------------------------------------------------


def check_selectors(selectors: Iterable[str], where: str) -> tuple[str, ...]:
    result = []
    for selector in selectors:
        selector = selector.strip()
        if not selector:
            continue
        if not REGISTRY.matching(selector):
            names = [*REGISTRY, *(r.name for r in REGISTRY.values())]
            raise ConfigError(
                f"{where}: unknown rule code or prefix {selector!r}{did_you_mean(selector, names)}"
            )
        result.append(selector)
    return tuple(result)


def split_codes(values: Iterable[str]) -> list[str]:
    """Option values may repeat and hold comma-separated lists: --select MIC1,MIC3."""
    return [part for value in values for part in value.split(",") if part.strip()]


def parse_size(value: object, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = re.match(_SIZE, value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise ConfigError(
            f"{where}: {value!r} is not a size: give bytes, or a number with KB, MB, GB, "
            "KiB, MiB or GiB"
        )
    unit = (match.group(2) or "").upper()
    factor = _UNITS[unit[:1]] if "I" not in unit else 1024 ** " KMG".index(unit[0])
    return int(match.group(1)) * factor


def parse_severities(items: Mapping[str, object], where: str) -> dict[str, Severity]:
    result: dict[str, Severity] = {}
    for key, level in items.items():
        found = REGISTRY.lookup(key)
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
        result.append((pattern, check_selectors(codes, f"{where}: per-file-ignores")))
    return tuple(result)


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start`: mics-lint.toml, .mics-lint.toml, or a
    pyproject.toml that has a [tool.mics-lint] table; ConfigError for one not readable."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or _has_tool_table(candidate):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    import tomllib  # only when there is a file to read: start-up stays short

    try:  # not skipped when unreadable: the defaults would apply silently
        text = path.read_bytes().decode("utf-8", errors="replace")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, RecursionError):
        # Broken TOML is ours to report only when it holds our table.
        return "[tool.mics-lint" in text
    return "mics-lint" in data.get("tool", {})


class FileConfig(NamedTuple):  # a NamedTuple, as Selection, for start-up (issue 14)
    """One config file's [tool.mics-lint] table, read and validated."""

    path: Path
    selection: Selection
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    severity: dict[str, Severity]
    max_file_size: int | None
    remote: dict[str, object]  # storage-options, scheduler
    max_line_bytes: int | None = None
    doc_types: tuple[tuple[str, str], ...] = ()
    profile_form: str | None = None
    datamart_schemas: tuple[tuple[str, str], ...] = ()


def load_config(path: Path) -> FileConfig:
    """Read and validate one config file; raise ConfigError naming the file and the key."""
    import tomllib

    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {where}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib nests by recursion: 100,000 "[" exceed Python's stack
        lines = path.read_text(encoding="utf-8").splitlines()
        deepest = max(lines, key=lambda line: line.count("["), default="")
        key = deepest.partition("=")[0].strip()
        raise ConfigError(f"{where}: {key}: not valid TOML: nested too deep") from None
    if path.name == "pyproject.toml":
        table: Any = data.get("tool", {}).get("mics-lint", {})
        where += ": [tool.mics-lint]"
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    for key in table:
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
    )


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
            shown = name if isinstance(name, str) else repr(name)
            raise ConfigError(
                f"{where}: {pattern!r} = {shown!r} is not a document type"
                f"{did_you_mean(str(name), NAMES)}; use one of {', '.join(NAMES)}"
            )
        result.append((pattern, found.name))
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
            raise ConfigError(
                f"--doc-type: unknown document type {doc_type!r}{did_you_mean(doc_type, NAMES)}"
                f"; use one of {', '.join(NAMES)}"
            )
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
        pfi.append((pattern, check_selectors(codes.split(","), "--per-file-ignores")))
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
            else (config.profile_form if config and config.profile_form else DEFAULT_PROFILE_FORM)
        ),
        root=config.path.parent if config else Path.cwd(),
        show_values=show_values,
        datamart_schemas=((("*", datamart_schema),) if datamart_schema else ())
        + (config.datamart_schemas if config else ()),
    )
