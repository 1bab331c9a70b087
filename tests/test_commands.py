"""mics_lint.commands: click's command classes minus two start-up costs (issue 14); the
command must still print, accept and refuse what plain click would."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mics_lint.cli import cli
from mics_lint.commands import HELP_TEXT, VERSION_TEXT, Command, Group


def _add_check(group: click.Group) -> None:
    """The same subcommand on either group: its options echoed back."""

    @group.command()
    @click.option("--output-file", "-o")
    @click.option("--output-format")
    @click.option("--quiet", "-q", is_flag=True)
    @click.option("--jobs", "-j", type=int)
    def check(**params: object) -> None:
        """A command."""
        click.echo(repr(sorted(params.items())))


def plain_twin() -> click.Group:
    """A plain click group with one command of the same shape, for comparison."""

    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option("1.0", "--version", prog_name="tool")
    def group() -> None:
        """A group."""

    _add_check(group)
    return group


def show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        click.echo("tool, version 1.0")
        ctx.exit()


def quick_twin() -> click.Group:
    @click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        help=VERSION_TEXT,
        callback=show_version,
    )
    def group() -> None:
        """A group."""

    _add_check(group)
    return group


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["--version"],
        ["check", "--help"],
        ["check", "-o", "a"],
        ["check", "-oa"],
        ["check", "-o=a"],
        ["check", "-qo", "a"],
        ["check", "-qj2"],
        ["check", "-j"],
        ["check", "-x"],
        ["check", "-qx"],
        ["check", "--output-fil", "a"],
        ["check", "--quiet=1"],
        ["check", "-", "--", "-o"],
        ["check", "-j", "-o"],
        ["nope"],
    ],
)
def test_same_as_plain_click(args: list[str]) -> None:
    plain = CliRunner().invoke(plain_twin(), args)
    quick = CliRunner().invoke(quick_twin(), args)
    assert (quick.exit_code, quick.output) == (plain.exit_code, plain.output)


def test_the_classes_are_used() -> None:
    assert isinstance(cli, Group)
    assert all(isinstance(c, Command) for c in cli.commands.values())


def test_the_texts_are_clicks() -> None:
    """click's English texts, which it would look up through gettext."""

    @click.command()
    @click.help_option()
    @click.version_option("1")
    def tool() -> None:
        pass

    texts = {p.name: p.help for p in tool.params}
    assert texts == {"help": HELP_TEXT, "version": VERSION_TEXT}


PATH_OPTIONS: list[dict[str, object]] = [
    {"allow_dash": True, "readable": False, "path_type": str},  # the files checked
    {"dir_okay": False},  # -o, --config
    {"dir_okay": False, "path_type": str},  # schema-check's
    {"exists": True},  # not checked here: all of it is click.Path's
    {"file_okay": False},
]


def outcome(kind: click.ParamType, value: str) -> tuple[str, object]:
    try:
        return "ok", kind.convert(value, None, None)
    except click.BadParameter as exc:
        return "refused", exc.format_message()


@pytest.mark.parametrize("options", PATH_OPTIONS)
def test_path_takes_and_refuses_what_click_path_does(
    tmp_path: Path, options: dict[str, object]
) -> None:
    import os

    from mics_lint.commands import Path as QuietPath

    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    (tmp_path / "secret").write_text("x")
    os.chmod(tmp_path / "secret", 0o200)
    values = ["-", "file", "folder", "secret", "missing", "folder/missing"]
    ours, clicks = QuietPath(**options), click.Path(**options)  # type: ignore[arg-type]
    assert ours.name == clicks.name
    assert (ours.exists, ours.dir_okay) == (clicks.exists, clicks.dir_okay)
    for value in values:
        full = value if value == "-" else str(tmp_path / value)
        assert outcome(ours, full) == outcome(clicks, full), (options, value)
