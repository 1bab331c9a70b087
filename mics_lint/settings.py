"""Settings: which rules run on which file, at what severity (read from options and config
files by mics_lint.config, which also exports everything here)."""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import contextlib
import functools
import os
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Severity
from mics_lint.doctypes import (
    DOC_TYPES,
    NAMES,
    DocType,
    find,
)
from mics_lint.rules import REGISTRY
from mics_lint.rules.framing import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_LINE_BYTES
from mics_lint.startup import Fields, record

if TYPE_CHECKING:  # pathlib (with urllib.parse) is imported where a path is made: issue 14
    from pathlib import Path

#: The two generations of the profile import format, both, or each file's own (decisions.md).
PROFILE_FORMS = ("auto", "force_replace", "update_strategy", "either")
DEFAULT_PROFILE_FORM = "auto"
#: The largest size an option takes: 8 PiB, far past any file, and within what a read's
#: length may be (a larger one overflowed there: an internal error, not a usage one).
MAX_SIZE = 2**53
_NEW_DICT: Mapping[str, Severity] = MappingProxyType({})  # Settings(): a new {} each time


# NamedTuples, frozen as frozen dataclasses are, but quicker to make at import (issue 14).
class Selection(Fields):
    """One source's rule selection (the config file's, or the command line's)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


class ActiveRules(Fields):
    enabled: frozenset[str]
    severity: Mapping[str, Severity]


# A dataclass whose __init__, __repr__, __eq__ and __hash__ are written here as @dataclass
# would write them: compiling them at import took ~2 ms of a small check's start-up (issue
# 14). tests/test_records.py holds them to a dataclass made from the same fields. `record`
# freezes it without compiling __setattr__ and __delattr__ (startup.py).
@record(frozen=True, init=False, repr=False, eq=False)
class Settings:
    """Everything that decides what `lint_file` reports; the defaults check every rule."""

    selections: tuple[Selection, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    # The document type of every file (a DOC_TYPES name); None: by `doc_type_globs`, else
    # told from each file's first records (typeguess.detect).
    doc_type: str | None = None
    doc_type_globs: tuple[tuple[str, str], ...] = ()  # (glob, DOC_TYPES name), first match
    # Which profile form USER_PROFILE lines are checked against: one of PROFILE_FORMS.
    profile_form: str = DEFAULT_PROFILE_FORM
    root: "Path | None" = None  # per-file-ignores and doc-types globs are relative to this
    # Off only to check that it changes nothing (tests) or to measure it (bench).
    fast_path: bool = True
    # The line the fast path may start at (None: config.DEFAULT_FAST_PATH_FROM). Tests set 1, to
    # hold every fixture's lines to the same output both ways.
    fast_path_from: int | None = None
    # Messages show identifiers whole and profile values (see redact.py): local debugging.
    show_values: bool = False
    # (glob, schema file): the datamart schema of the files matching glob, first match
    # wins; --datamart-schema is ("*", PATH), before the config's (see mics_lint.datamart).
    datamart_schemas: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        selections: tuple[Selection, ...] = (),
        per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
        severity: Mapping[str, Severity] = _NEW_DICT,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        doc_type: str | None = None,
        doc_type_globs: tuple[tuple[str, str], ...] = (),
        profile_form: str = DEFAULT_PROFILE_FORM,
        root: "Path | None" = None,
        fast_path: bool = True,
        fast_path_from: int | None = None,
        show_values: bool = False,
        datamart_schemas: tuple[tuple[str, str], ...] = (),
    ) -> None:
        put = object.__setattr__  # frozen: as the generated __init__ does
        put(self, "selections", selections)
        put(self, "per_file_ignores", per_file_ignores)
        put(self, "severity", {} if severity is _NEW_DICT else severity)
        put(self, "max_file_size", max_file_size)
        put(self, "max_line_bytes", max_line_bytes)
        put(self, "doc_type", doc_type)
        put(self, "doc_type_globs", doc_type_globs)
        put(self, "profile_form", profile_form)
        put(self, "root", root)
        put(self, "fast_path", fast_path)
        put(self, "fast_path_from", fast_path_from)
        put(self, "show_values", show_values)
        put(self, "datamart_schemas", datamart_schemas)
        self.__post_init__()

    def _values(self) -> tuple[object, ...]:
        return (
            self.selections,
            self.per_file_ignores,
            self.severity,
            self.max_file_size,
            self.max_line_bytes,
            self.doc_type,
            self.doc_type_globs,
            self.profile_form,
            self.root,
            self.fast_path,
            self.fast_path_from,
            self.show_values,
            self.datamart_schemas,
        )

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={v!r}" for f, v in zip(_FIELDS, self._values(), strict=True))
        return f"{self.__class__.__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Settings) and other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __post_init__(self) -> None:
        # The API takes what the command line and the config take (a document type by its
        # short name or the platform's, any case; a size as "50MB"), and refuses at once,
        # with ValueError, what would fail deep in a run or be ignored without a word.
        put = object.__setattr__
        if self.doc_type is not None:
            put(self, "doc_type", _doc_type(self.doc_type, "doc_type"))
        form = self.profile_form
        if form not in PROFILE_FORMS:
            if not isinstance(form, str) or form.strip().lower() not in PROFILE_FORMS:
                raise ValueError(
                    f"unknown profile form {form!r}; use one of {', '.join(PROFILE_FORMS)}"
                )
            put(self, "profile_form", form.strip().lower())
        for name in ("max_file_size", "max_line_bytes"):
            value = getattr(self, name)
            if type(value) is not int or not 0 < value <= MAX_SIZE:
                put(self, name, _checked("parse_size", value, f"Settings({name}=...)"))
        if self.severity:
            levels = {k: str(v) if isinstance(v, Severity) else v for k, v in self.severity.items()}
            put(self, "severity", _checked("parse_severities", levels, "Settings(severity=...)"))
        if self.doc_type_globs:
            globs = tuple(
                (g, _doc_type(t, "doc_type_globs")) for g, t in _pairs(self.doc_type_globs)
            )
            put(self, "doc_type_globs", globs)
        if self.selections or not isinstance(self.selections, tuple):  # a key: hashable
            put(self, "selections", _selections(self.selections))
        if self.per_file_ignores:
            ignores = tuple(
                (glob, _selectors(codes, f"per_file_ignores of {glob!r}"))
                for glob, codes in _pairs(self.per_file_ignores)
            )
            put(self, "per_file_ignores", ignores)
        if self.root is not None and not hasattr(self.root, "resolve"):
            from pathlib import Path

            put(self, "root", Path(self.root))

    def enabled_codes(self) -> frozenset[str]:
        return _enabled_codes(self.selections, REGISTRY.generation)

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

    def datamart_schemas_reached(self) -> list[str]:
        """The datamart schema files some file may be checked against: those of the globs
        up to the first that matches every file (`--datamart-schema`'s, before the config's)."""
        globs = [g for g, _ in self.datamart_schemas]
        last = globs.index("*") + 1 if "*" in globs else len(globs)
        return [path for _, path in self.datamart_schemas[:last]]

    def doc_type_glob(self, path: str) -> tuple[str, str] | None:
        """The first [tool.mics-lint.doc-types] glob matching `path`, with its type's name."""
        return next((g for g in self.doc_type_globs if _path_matches(path, g[0], self.root)), None)

    def doc_type_for(self, path: str, head: bytes = b"") -> DocType:
        """The document type `path` is checked as: --doc-type, else the first matching
        glob of [tool.mics-lint.doc-types], else told from the records that begin in `head`
        (the file's first bytes). Raises DocTypeError when they do not tell for sure."""
        if self.doc_type is not None:
            return DOC_TYPES[self.doc_type]
        if (glob := self.doc_type_glob(path)) is not None:
            return DOC_TYPES[glob[1]]
        from mics_lint.typeguess import told

        return told(path, head)


def _checked(parser: str, value: Any, where: str) -> Any:
    """What config's `parser` makes of `value` (the config file's own reading of it), its
    ConfigError a ValueError: an API caller gets what the command line would say."""
    from mics_lint import config

    try:
        return getattr(config, parser)(value, where)
    except config.ConfigError as exc:
        raise ValueError(str(exc)) from None
    except (AttributeError, TypeError):
        raise ValueError(f"{where}: {value!r} is not what it takes (see docs/api.md)") from None


def not_a_type(name: object) -> str:
    """Why `name` names no type to check, with the one it may mean, and the names to use."""
    from mics_lint.suggest import did_you_mean  # a mistake only

    names = ", ".join(NAMES)
    if isinstance(name, str) and "DISSOCIATION" in name.upper():
        # The platform has this import (formats reference §2), but no page gives its lines;
        # "did you mean association?" would check a split of users as their merge.
        return (
            f"{name!r} is the dissociation import, which mics-lint does not check: no page "
            f"of the platform's docs gives its format; the types it checks are {names}"
        )
    hint = did_you_mean(name, NAMES) if isinstance(name, str) else ""
    # A word several names share ("deletion"): each is a different import, named to choose.
    shared = [n for n in NAMES if n.islower() and isinstance(name, str) and name.lower() in n]
    if len(shared) > 1 and len(str(name)) > 3:
        hint = f"; it may mean {', '.join(shared[:-1])} or {shared[-1]}, each another import"
    return f"unknown document type {name!r}{hint}; use one of {names}"


def _doc_type(name: object, where: str) -> str:
    found = find(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"{where}: {not_a_type(name)}")
    return found.name


def _pairs(value: Any) -> list[tuple[str, Any]]:
    """(glob, value) pairs of a tuple of them (or of a mapping, as the config's tables)."""
    items = list(value.items()) if isinstance(value, Mapping) else list(value)
    if not all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], str) for i in items):
        raise ValueError(f"{value!r} is not a tuple of (glob, value) pairs")
    for glob, _ in items:
        if (error := glob_error(glob)) is not None:
            raise ValueError(error)
    return items


def _selectors(codes: object, where: str) -> tuple[str, ...]:
    """Rule codes, prefixes or names, each known (a typo would select nothing, silently)."""
    if isinstance(codes, str):
        codes = (codes,)
    if not isinstance(codes, (tuple, list, frozenset, set)) or not all(
        isinstance(c, str) for c in codes
    ):
        raise ValueError(f"{where}: {codes!r} is not a tuple of rule codes or prefixes")
    return tuple(_checked("check_selectors", codes, where))


def _selections(selections: object) -> tuple[Selection, ...]:
    if isinstance(selections, Selection):
        selections = (selections,)
    if not isinstance(selections, (tuple, list)) or not all(
        isinstance(s, Selection) for s in selections
    ):
        raise ValueError(f"selections: {selections!r} is not a tuple of Selection")
    return tuple(
        Selection(
            None if s.select is None else _selectors(s.select, "Selection(select=...)"),
            _selectors(s.extend_select, "Selection(extend_select=...)"),
            _selectors(s.ignore, "Selection(ignore=...)"),
        )
        for s in selections
    )


@functools.lru_cache(maxsize=16)
def _enabled_codes(selections: tuple[Selection, ...], generation: int) -> frozenset[str]:
    """The codes `selections` enable, while the registry is at `generation`. Kept: each
    file's (and each `--jobs` chunk's) rules start from them, and a selection is weighed
    against every rule by every selector, about a millisecond a file with a config's
    select and ignore (3,000 small files: 2.1 s without a selection, 5.1 s with one)."""
    del generation  # a key only: a rule added or withdrawn since is another entry
    enabled = {code: rule.default_on for code, rule in REGISTRY.items()}
    for layer in selections:
        for code in REGISTRY:
            decision = _decide(code, layer)
            if decision is not None:
                enabled[code] = decision
            elif layer.select is not None:
                enabled[code] = False
    return frozenset(code for code, on in enabled.items() if on)


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


def _path_matches(path: str, pattern: str, root: "Path | None") -> bool:
    import fnmatch

    variants = _variants(pattern)
    names = _path_names(path, root, _resolved_from(path, root))
    return any(fnmatch.fnmatchcase(c, v) for c in names for v in variants)


def _resolved_from(path: str, root: "Path | None") -> str:
    """The folder `_path_names` resolves `path` and `root` from: the working folder where
    either is relative, else "" (no system call; nor for a working folder removed)."""
    if root is None or path == "-" or (os.path.isabs(path) and root.is_absolute()):
        return ""
    try:
        return os.getcwd()
    except OSError:
        return ""


@functools.lru_cache(maxsize=8)
def _path_names(path: str, root: "Path | None", cwd: str) -> frozenset[str]:
    """The names a glob may match `path` by: as given, its file name, and relative to
    `root`. Kept for the last few paths: a file's rules, its type and its datamart schema
    each ask, for every glob, and the relative name resolves both paths (system calls for
    each folder of them): 0.1 ms a file with a config's three globs. So a link on the way
    to a file, repointed between two checks of it in one process (the Python API's), is
    read as it was at the first (docs/decisions.md)."""
    del cwd  # a key only
    from pathlib import Path, PurePath

    candidates = {path, PurePath(path).name}
    if root is not None and path != "-":
        # A file outside the project, or a working folder removed: no relative name.
        with contextlib.suppress(ValueError, OSError):
            candidates.add(Path(path).resolve().relative_to(root.resolve()).as_posix())
    return frozenset(candidates)


@functools.lru_cache(maxsize=256)
def _variants(pattern: str) -> tuple[str, ...]:
    return tuple(glob_variants(pattern))


def glob_variants(pattern: str) -> list[str]:
    """`pattern` and the patterns it also means: each `**/` may stand for no folder at all
    (`exports/**/*.ndjson` matches `exports/a.ndjson`, as in ruff and git); fnmatch's `*`
    already matches across `/`."""
    import itertools

    parts = pattern.split("**/")
    if len(parts) == 1 or len(parts) > 5:  # beyond 4, each stands for a folder at least
        return [pattern]
    found = []
    for kept in itertools.product(("**/", ""), repeat=len(parts) - 1):
        found.append(parts[0] + "".join(k + p for k, p in zip(kept, parts[1:], strict=True)))
    return found


def glob_error(pattern: str) -> str | None:
    """What is wrong with a glob of the config, or None. fnmatch reads a `[` without its
    `]` as a plain character, so "[" would match only a file named so: refused, as ruff
    refuses it, rather than matching nothing without a word."""
    at = 0
    while (start := pattern.find("[", at)) >= 0:
        first = start + 1 + (pattern[start + 1 : start + 2] == "!")
        end = pattern.find("]", first + (pattern[first : first + 1] == "]"))  # []] holds a ]
        if end < 0:
            return f"glob {pattern!r}: unclosed character class: write [[] for a plain ["
        at = end + 1
    return None


_FIELDS = tuple(Settings.__dataclass_fields__)
