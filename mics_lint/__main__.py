"""`python -m mics_lint` is the `mics-lint` command."""

from mics_lint.cli import console

console()
