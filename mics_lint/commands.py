"""The click command classes of `mics-lint`: click's own, minus two costs of start-up.

A small check spends a few milliseconds in click beyond parsing (issue 14):

- click looks up the texts of its `--help` and `--version` options through gettext, whose
  first lookup imports locale and searches the disk for catalogues. Ours say the same in
  English (the only language click ships), without the lookup.
- click tries a short option such as `-o` as a long one first, and that failure asks difflib
  for the long options it is closest to, for a message nobody sees: the short option is
  then matched. Here a token that can only be short options skips that try.

What the command prints, accepts and refuses stays click's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

HELP_TEXT = "Show this message and exit."
VERSION_TEXT = "Show the version and exit."


def version_option(version: str, prog_name: str) -> Callable[[Any], Any]:
    """click.version_option(version, "--version", prog_name=prog_name), without gettext."""

    def show(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            click.echo(f"{prog_name}, version {version}", color=ctx.color)
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
        click.echo(ctx.get_help(), color=ctx.color)
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


class Command(click.Command):
    """A subcommand of `mics-lint`."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_option(self, ctx)

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        _short_options_first(parser, ctx)
        return parser


class Group(click.Group):
    """The `mics-lint` group; its subcommands are `Command`s."""

    command_class = Command

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_option(self, ctx)

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        _short_options_first(parser, ctx)
        return parser
