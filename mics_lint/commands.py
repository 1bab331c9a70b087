"""The click command classes of `mics-lint`: click's own, minus two costs of start-up.

A small check spends a few milliseconds in click beyond parsing (issue 14):

- click looks up the texts of its `--help` and `--version` options through gettext, whose
  first lookup imports locale and searches the disk for catalogues. Ours say the same in
  English (the only language click ships), without the lookup.
- click tries a short option such as `-o` as a long one first, and that failure asks difflib
  for the long options it is closest to, for a message nobody sees: the short option is
  then matched. Here a token that can only be short options skips that try.
- click.Path asks gettext for its own name when it is made, at import. `Path` here takes a
  value that click.Path would take, and leaves any other to a click.Path made then.

What the command prints, accepts and refuses stays click's.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from typing import Any

import click

HELP_TEXT = "Show this message and exit."
VERSION_TEXT = "Show the version and exit."


def echo(text: str, *, nl: bool = True, color: bool | None = None) -> None:
    """click.echo to standard output; a ClickException (one line, exit 2) where the command
    started with it closed (`>&-`), where click.echo writes nothing and the command's one
    output would be lost behind exit code 0."""
    if sys.stdout is None:
        raise click.ClickException("standard output is closed: nothing can be shown")
    click.echo(text, nl=nl, color=color)


def version_option(version: str, prog_name: str) -> Callable[[Any], Any]:
    """click.version_option(version, "--version", prog_name=prog_name), without gettext."""

    def show(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            echo(f"{prog_name}, version {version}", color=ctx.color)
            ctx.exit()

    return click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        help=VERSION_TEXT,
        callback=show,
    )


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


def _help_option(command: click.Command, ctx: click.Context) -> click.Option | None:
    # As click's: made once per command, so that the order of eager parameters, which
    # click keeps by identity, is the same at every parse.
    names = command.get_help_option_names(ctx)
    if not names or not command.add_help_option:
        return None
    made: click.Option | None = command.__dict__.get("_quick_help")
    if made is None:
        made = click.Option(
            names,
            is_flag=True,
            expose_value=False,
            is_eager=True,
            help=HELP_TEXT,
            callback=_show_help,
        )
        command.__dict__["_quick_help"] = made
    return made


def _short_options_first(parser: Any, ctx: click.Context) -> None:
    """Makes the parser's try of a token as a long option fail at once, and quietly, when
    the token cannot be one (`-o`, `-qo`): click then matches it as short options, as it
    did; an unknown long option still gets click's "Did you mean". Left as click made it
    when its parser is not the one this was written against (click 8.1 to 8.5)."""
    long_options = getattr(parser, "_long_opt", None)
    prefixes = getattr(parser, "_opt_prefixes", None)
    match_long = getattr(parser, "_match_long_opt", None)
    if ctx.token_normalize_func is not None or match_long is None:
        return
    if not isinstance(long_options, dict) or not isinstance(prefixes, set):
        return

    def matched(opt: str, explicit_value: str | None, state: Any) -> None:
        # The caller catches NoSuchOption and tries short options exactly when the token's
        # first two characters are not an option prefix ("-" or "--"), as here.
        if opt not in long_options and opt[:2] not in prefixes:
            raise click.NoSuchOption(opt, message=opt, ctx=ctx)
        match_long(opt, explicit_value, state)

    setattr(parser, "_match_long_opt", matched)  # noqa: B010 - an instance's method


class _Quick(click.Command):
    """The help option and the parser of the group and of its subcommands alike."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_option(self, ctx)

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        _short_options_first(parser, ctx)
        return parser


class Command(_Quick):
    """A subcommand of `mics-lint`."""


class Group(_Quick, click.Group):
    """The `mics-lint` group; its subcommands are `Command`s."""

    command_class = Command


class Path(click.Path):
    """click.Path(**options), without gettext until a value fails its checks.

    A value that passes is returned here, checked as click.Path checks it; any other (and
    every value, for the options not checked here) goes to a click.Path made then, so that
    what is refused, and how it is said, is click's. Its other attributes are click's too.
    """

    _CHECKED = frozenset({"file_okay", "dir_okay", "readable", "allow_dash", "path_type"})

    def __init__(self, **options: Any) -> None:  # click.Path's init would ask gettext
        self._options = options
        self._click: click.Path | None = None
        file_okay, dir_okay = options.get("file_okay", True), options.get("dir_okay", True)
        # The name click.Path gives itself (in English): the metavar of an option.
        self.name = "file" if file_okay and not dir_okay else "path"
        if dir_okay and not file_okay:
            self.name = "directory"

    def _made(self) -> click.Path:
        if self._click is None:
            self._click = click.Path(**self._options)
        return self._click

    def __getattr__(self, attr: str) -> Any:
        # Only for what this object does not set: click.Path's attributes (exists...).
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._made(), attr)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and self._passes(value):
            return value
        return self._made().convert(value, param, ctx)

    def _passes(self, value: str) -> bool:
        """Whether click.Path would return `value` as it is."""
        given = self._options
        if not self._CHECKED.issuperset(given) or given.get("path_type") not in (None, str):
            return False
        if given.get("allow_dash", False) and given.get("file_okay", True) and value == "-":
            return True
        try:
            info = os.stat(value)
        except OSError:
            return True  # `exists` is not asked for: a path yet to be made
        if not given.get("file_okay", True) and stat.S_ISREG(info.st_mode):
            return False
        if not given.get("dir_okay", True) and stat.S_ISDIR(info.st_mode):
            return False
        return not given.get("readable", True) or os.access(value, os.R_OK)
