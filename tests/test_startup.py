"""Start-up: a check of a small clean file imports only what it uses (issue 14).

The target is a 3-line check within 1.5x `python -c "import orjson, click"` (bench/run.py's
start-up measurement). What a small clean file never needs (the fast path's decoders, the
fixer, the machine and CI reporters, Dask, the datamart walk) is imported when it is used;
this keeps it that way, in a real process, as bench/run.py runs the command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import base_env

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "clean_profiles.ndjson"

NEVER_AT_START = (
    # third-party: the fast path (msgspec, numpy), the jsonschema library, remote files, Dask
    "msgspec",
    "numpy",
    "jsonschema",
    "fsspec",
    "dask",
    "distributed",
    "graphql",
    # the standard library's heavier parts (tempfile brings shutil, bz2, lzma and random)
    "multiprocessing",
    "tempfile",
    "random",
    "shutil",
    "concurrent",
    "logging",
    # pathlib brings urllib.parse and ipaddress; signal makes three enums; difflib came with
    # click's long-option try of `-o`, locale with gettext's first lookup (commands.py)
    "pathlib",
    "signal",
    "difflib",
    "locale",
    # shared libraries only some runs need: a .gz file, the `full` format, a name to escape
    "zlib",
    "_bisect",
    "unicodedata",
    # ours, each imported where it is needed
    "mics_lint.cluster",
    "mics_lint.fixing",
    "mics_lint.fix",
    "mics_lint.fix_records",
    "mics_lint.fix_plans",
    "mics_lint.fix_edits",
    "mics_lint.fixmarks",
    "mics_lint.fastpath",
    # what only a bad line, a shown line or a mistake needs: jsonschema's errors made
    # findings (structure.py's wrappers), redaction, suggestions
    "mics_lint.rules.schema_errors",
    "mics_lint.redact",
    "mics_lint.suggest",
    # URLs and storage options (checking._remote_setup, discovery.is_url)
    "mics_lint.remote",
    # the fast checks: a file's first lines take the full checks (doctypes._made_in)
    "mics_lint.rules.profile_fast",
    "mics_lint.rules.activity_fast",
    "mics_lint.rules.fast_checks",
    "mics_lint.laxpath",
    "mics_lint.userswindow",
    "mics_lint.tasks",
    # the merge of a split file's chunks (--jobs), and MIC501's numpy table past 4,096 users
    "mics_lint.merge",
    "mics_lint.buckets",
    "mics_lint.pagemaps",
    "mics_lint.reporters.machine",
    "mics_lint.reporters.annotations",
    "mics_lint.datamart.walk",
    "mics_lint.datamart.model",
)

# What the interpreter loaded before mics-lint (an editable install's import hook brings
# pathlib) is not counted.
SCRIPT = """
import json, sys
before = set(sys.modules)
from mics_lint.cli import main
try:
    main(sys.argv[1:])
finally:
    never = json.loads(sys.stdin.readline())
    loaded = (m for m in never if m in sys.modules and m not in before)
    print(json.dumps(sorted(loaded)), file=sys.stderr)
"""


def checked(
    cwd: Path, args: list[str], never: list[str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`mics-lint ARGS` through SCRIPT, told the modules that must not be loaded: the run,
    and those of them that were."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        input=json.dumps(never) + "\n",
        cwd=cwd,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_small_clean_check_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    data = tmp_path / "clean_profiles.ndjson"
    data.write_bytes(EXAMPLE.read_bytes())
    report = tmp_path / "report.txt"
    args = ["check", "--isolated", "-o", str(report), str(data)]
    done, loaded = checked(tmp_path, args, NEVER_AT_START)
    assert done.returncode == 0, done.stderr
    assert report.read_text(encoding="utf-8").startswith("All checks passed.")
    assert loaded == []


def test_a_check_to_standard_output_makes_no_temporary_file_module(tmp_path: Path) -> None:
    """The report written beside its target makes its file itself (targets._new_file), and
    only the full format asks shutil for the terminal's width: neither module comes."""
    data = tmp_path / "clean_profiles.ndjson"
    data.write_bytes(EXAMPLE.read_bytes())
    done, loaded = checked(tmp_path, ["check", "--isolated", str(data)], list(NEVER_AT_START))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("All checks passed.")
    assert loaded == []


def test_the_deferred_modules_still_come_when_needed(tmp_path: Path) -> None:
    """A machine format and a line with a diagnostic load what the clean check left out."""
    data = tmp_path / "bad.ndjson"
    data.write_bytes(b'{"operation":"DELETE"}\n')
    args = ["check", "--isolated", "--output-format", "json", str(data)]
    done, loaded = checked(tmp_path, args, NEVER_AT_START)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)[0]["code"] == "MIC301"
    assert {"mics_lint.reporters.machine", "mics_lint.fixmarks"} <= set(loaded)


def test_garbage_collection_is_left_as_it_was(tmp_path: Path) -> None:
    """The imports run without collection (startup.py), then restore what the host set."""
    script = (
        "import gc, sys\n"
        "if sys.argv[1] == 'off':\n"
        "    gc.disable()\n"
        "import mics_lint.cli\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    for state, expected in (("on", "True 0"), ("off", "False 0")):
        done = subprocess.run(
            [sys.executable, "-c", script, state],
            cwd=tmp_path,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.stdout.strip() == expected, done.stderr


# Modules made at every start-up whose NamedTuples keep their annotations as types: a string
# annotation (under `from __future__ import annotations`) becomes a ForwardRef, which
# typing compiles at import, ~60k instructions a field.
TYPED_NAMEDTUPLES = (
    "mics_lint.config",
    "mics_lint.diagnostic",
    "mics_lint.doctypes",
    "mics_lint.fastloop",
    "mics_lint.options",
    "mics_lint.reporters.base",
    "mics_lint.rules.profile_fast",
    "mics_lint.schema",
    "mics_lint.settings",
    "mics_lint.targets",
)


def test_start_up_namedtuples_compile_no_annotation() -> None:
    import importlib
    import typing

    seen = 0
    for name in TYPED_NAMEDTUPLES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, tuple) and value.__module__ == name:
                hints = getattr(value, "__annotations__", {})
                strings = [k for k, v in hints.items() if isinstance(v, typing.ForwardRef)]
                # A name imported only for type checking stays a string: one at most.
                assert len(strings) <= 1, (value, strings)
                seen += 1
    assert seen >= 8


def test_later_imports_a_module_at_its_first_attribute_read() -> None:
    import copy

    from mics_lint.startup import later

    name = "mics_lint.suggest"
    was = sys.modules.pop(name, None)
    try:
        stand_in = later(name)
        copy.copy(stand_in)  # dunder probes answer without importing
        assert name not in sys.modules
        found = stand_in.did_you_mean
        assert name in sys.modules and found is sys.modules[name].did_you_mean
        assert "did_you_mean" in vars(stand_in)  # kept: the next read is a plain attribute
    finally:
        if was is not None:
            sys.modules[name] = was
