"""`mics-lint check` builds one CheckOptions from its click parameters, by name: both must
name the same things, and a CheckOptions built in code must mean what the command means."""

from __future__ import annotations

import click
import pytest

from mics_lint.cli import check, cli
from mics_lint.options import CheckOptions


def test_every_check_parameter_is_an_options_field_and_back() -> None:
    params = {p.name for p in check.params}
    fields = set(CheckOptions._fields)
    assert params == fields


def test_the_options_defaults_are_the_command_defaults() -> None:
    ctx = check.make_context("check", [], parent=click.Context(cli))
    assert CheckOptions(**ctx.params) == CheckOptions()


def test_the_options_hold_what_click_parsed() -> None:
    args = ["a.ndjson", "-", "--select", "MIC3", "--select", "MIC4", "-j", "3", "--fix"]
    ctx = check.make_context("check", args, parent=click.Context(cli))
    options = CheckOptions(**ctx.params)
    assert options.paths == ("a.ndjson", "-")
    assert options.select == ("MIC3", "MIC4")
    assert (options.jobs, options.fix, options.diff) == (3, True, False)


def test_options_are_frozen() -> None:
    with pytest.raises(AttributeError):
        CheckOptions().fix = True  # type: ignore[misc]
