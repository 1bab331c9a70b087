"""The records whose dataclass methods are written by hand (start-up, issue 14).

`Settings`, `Diagnostic`, the registry's `Rule` and the reporters' `Summary` are
dataclasses, but their __init__,
__repr__, __eq__ (and __hash__) are written out in their modules, because compiling them
at import cost a small check's start-up. These hold each to a dataclass that @dataclass
makes from the same fields, so that a field added to one but not to its methods fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import pickle
from collections import Counter
from typing import Any

import pytest

from mics_lint import Diagnostic, Settings, Severity
from mics_lint.config import Selection
from mics_lint.registry import Rule
from mics_lint.reporters import Summary


def reference(cls: type) -> type:
    """What @dataclass writes for the fields of `cls`, frozen as `cls` is."""
    specs = []
    for f in dataclasses.fields(cls):
        made = dataclasses.field(
            default=f.default,
            default_factory=f.default_factory,
            repr=f.repr,
            compare=f.compare,
            hash=f.hash,
        )
        specs.append((f.name, f.type, made))
    frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    return dataclasses.make_dataclass(cls.__name__, specs, frozen=frozen)


def same_behaviour(cls: type, samples: list[dict[str, Any]]) -> None:
    ref = reference(cls)
    ours = [cls(**kwargs) for kwargs in samples]
    theirs = [ref(**kwargs) for kwargs in samples]
    for mine, made in zip(ours, theirs, strict=True):
        assert repr(mine) == repr(made)
        assert dataclasses.asdict(mine) == dataclasses.asdict(made)
        try:
            expected: int | None = hash(made)
        except TypeError:
            expected = None
        if expected is None:
            with pytest.raises(TypeError):
                hash(mine)
        else:
            assert hash(mine) == expected
    for (a, b), (ra, rb) in zip(
        itertools.product(ours, repeat=2), itertools.product(theirs, repeat=2), strict=True
    ):
        assert (a == b) is (ra == rb)
        assert (a != b) is (ra != rb)
    assert (ours[0] == object()) is False
    names = [p.name for p in inspect.signature(cls).parameters.values()]
    assert names == [f.name for f in dataclasses.fields(cls)]


def test_settings_methods_are_the_dataclass_ones() -> None:
    same_behaviour(
        Settings,
        [
            {},
            {"fast_path": False},
            {"doc_type": "USER_PROFILE"},
            {"selections": (Selection(ignore=("MIC501",)),), "fast_path_from": 1},
            {"severity": {"MIC304": Severity.ERROR}},
            {"datamart_schemas": (("*", "a.gql"),), "show_values": True},
        ],
    )


def test_settings_defaults_are_the_fields_defaults() -> None:
    made = Settings()
    for f in dataclasses.fields(Settings):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert getattr(made, f.name) == default, f.name
    assert Settings().severity is not Settings().severity  # a new dict each, as a factory's


def test_diagnostic_methods_are_the_dataclass_ones() -> None:
    base = {
        "path": "a.ndjson",
        "line": 3,
        "column": 1,
        "end_line": 3,
        "end_column": 9,
        "code": "MIC301",
        "name": "missing-identifier",
        "severity": Severity.ERROR,
        "message": "no identifier",
    }
    same_behaviour(
        Diagnostic,
        [
            base,
            {**base, "source": '{"a": 1}'},  # not compared, not shown
            {**base, "fix": "safe"},  # shown, not compared
            {**base, "doc_type": "USER_PROFILE"},
            {**base, "line": 4, "end_line": 4},
            {**base, "severity": Severity.WARNING, "message": "other"},
        ],
    )


def test_rule_methods_are_the_dataclass_ones() -> None:
    base = {
        "code": "MIC301",
        "name": "missing-identifier",
        "severity": Severity.ERROR,
        "summary": "No identifier",
        "doc": "It does.",
    }
    same_behaviour(
        Rule,
        [
            base,
            {**base, "check": len},  # not compared
            {**base, "fix": "safe", "fix_always": True},
            {**base, "roles": frozenset({"hash"}), "bad": str.isdigit, "screen": str.isdigit},
            {**base, "screen_source": "value", "message": repr},  # not compared
            {**base, "across_chunks": "users"},
            {**base, "default_on": False},
            {**base, "code": "MIC302", "doc": "Other."},
        ],
    )


def test_summary_methods_are_the_dataclass_ones() -> None:
    same_behaviour(
        Summary,
        [
            {},
            {"errors": 2, "files_checked": 1},
            {"max_diagnostics": 10, "hidden": 3},
            {"fixing": True, "fixed": Counter({"MIC101": 2})},
            {"doc_types": {"a.ndjson": "USER_PROFILE"}, "by_code": Counter({"MIC301": 1})},
        ],
    )
    assert Summary().by_code is not Summary().by_code
    assert Summary().doc_types == {} and Summary().fixed == Counter()


@pytest.mark.parametrize("cls", [Settings, Diagnostic, Rule])
def test_still_frozen_dataclasses(cls: type) -> None:
    """startup.record freezes them without @dataclass's compiled methods: they refuse
    changes as those do, are replaced, pickled and copied as frozen dataclasses are."""
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    made: Any
    if cls is Settings:
        made, field = Settings(), "doc_type"
    elif cls is Diagnostic:
        made = Diagnostic("a", 1, 1, 1, 2, "MIC301", "missing-identifier", Severity.ERROR, "m")
        field = "doc_type"
    else:
        made, field = Rule("MIC301", "missing-identifier", Severity.ERROR, "s", "d"), "summary"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, field, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(made, field)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.not_a_field = 1  # as @dataclass's: the class itself refuses any name
    changed = dataclasses.replace(made, **{field: "USER_PROFILE"})
    assert getattr(changed, field) == "USER_PROFILE" and changed != made
    assert pickle.loads(pickle.dumps(made)) == made
    assert copy.deepcopy(made) == made and copy.copy(made) == made


def test_frozen_subclasses_set_what_is_not_a_field() -> None:
    """A subclass (not a dataclass itself) may add attributes; fields stay frozen."""

    class Sub(Settings):
        pass

    made = Sub()
    made.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.doc_type = "x"  # type: ignore[misc]


# The NamedTuples made by startup.Fields (start-up, issue 14), by module.
FIELDS_CLASSES = (
    ("mics_lint.config", "FileConfig"),
    ("mics_lint.diagnostic", "Finding"),
    ("mics_lint.doctypes", "DocType"),
    ("mics_lint.options", "CheckOptions"),
    ("mics_lint.reporters.base", "Options"),
    ("mics_lint.rules.profile_fast", "_Parts"),
    ("mics_lint.schema", "SchemaError"),
    ("mics_lint.settings", "ActiveRules"),
    ("mics_lint.settings", "Selection"),
    ("mics_lint.targets", "Target"),
)


@pytest.mark.parametrize(("module", "name"), FIELDS_CLASSES)
def test_fields_classes_are_namedtuples(module: str, name: str) -> None:
    """Each behaves as the collections.namedtuple of its fields and defaults (what
    typing.NamedTuple makes), with its own methods and docstring kept."""
    import collections
    import importlib

    from mics_lint import startup

    cls: Any = getattr(importlib.import_module(module), name)
    assert (
        cls.__new__.__module__ == startup.__name__
        and cls.__module__ == module
        and cls.__bases__ == (tuple,)
    )
    names = list(cls.__annotations__)
    defaults = cls._field_defaults
    ref: Any = collections.namedtuple(
        name, names, defaults=[defaults[n] for n in names[-len(defaults) :]] if defaults else None
    )
    assert cls._fields == ref._fields and cls.__match_args__ == ref.__match_args__
    assert defaults == ref._field_defaults
    required = [n for n in names if n not in defaults]
    given = {n: f"<{n}>" for n in required}
    for kwargs in (given, {**given, names[-1]: 7}):
        mine, theirs = cls(**kwargs), ref(**kwargs)
        assert tuple(mine) == tuple(theirs) and repr(mine) == repr(theirs)
        assert mine._asdict() == theirs._asdict() and hash(mine) == hash(theirs)
        assert cls(*mine) == mine and cls._make(list(mine)) == mine
        assert tuple(mine._replace(**{names[0]: 1})) == tuple(theirs._replace(**{names[0]: 1}))
        assert pickle.loads(pickle.dumps(mine)) == mine and copy.deepcopy(mine) == mine
        assert [getattr(mine, n) for n in names] == list(mine)
        with pytest.raises(AttributeError):
            setattr(mine, names[0], 1)
    with pytest.raises(TypeError):
        cls(*range(len(names) + 1))
    with pytest.raises(TypeError):
        cls(**given, unknown=1)
    if required:
        with pytest.raises(TypeError):
            cls()
    with pytest.raises(ValueError):
        cls(**given)._replace(unknown=1)
    with pytest.raises(TypeError):
        cls._make([1] * (len(names) + 1))
    assert cls.__doc__  # its own, or `Name(fields...)` as namedtuple writes


def test_fields_refuses_what_namedtuple_refuses() -> None:
    from mics_lint.startup import Fields

    with pytest.raises(TypeError):

        class Wrong(Fields):  # a field without a default after one with
            a: int = 0
            b: int

    with pytest.raises(AttributeError):

        class Overwrites(Fields):
            a: int

            def _replace(self) -> None:  # type: ignore[override]
                pass


def test_a_diagnostic_made_by_a_change_of_class_is_one() -> None:
    """Diagnostic.__init__ sets the fields through _Unfrozen (a change of class, for
    speed): what it makes is a whole Diagnostic, frozen, that copies and pickles."""
    import copy
    import pickle

    from mics_lint import diagnostic

    assert diagnostic._SWAP  # this Python takes the change of class (else: the slow way)
    fields = ("a.ndjson", 3, 1, 3, 9, "MIC301", "missing-identifier", Severity.ERROR, "m")
    for extra in [(), ("src",), ("src", "USER_PROFILE"), ("src", "USER_PROFILE", "safe")]:
        made = Diagnostic(*fields, *extra)
        # The engine's way (diagnostic.made): one change of class, the same record.
        quick = diagnostic.made(*fields, *extra, *(None, "", None)[len(extra) :])
        assert dataclasses.astuple(quick) == dataclasses.astuple(made) and type(quick) is Diagnostic
        assert repr(quick) == repr(made) and hash(quick) == hash(made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            quick.line = 2  # type: ignore[misc]
        assert type(made) is Diagnostic
        assert pickle.loads(pickle.dumps(made)) == made
        assert copy.copy(made) == made and copy.deepcopy(made) == made
        assert made.with_fix("unsafe").fix == "unsafe"
        assert dataclasses.replace(made, line=4).line == 4
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.line = 2  # type: ignore[misc]
