"""Instructions a line of the USER_ACTIVITY fast check, by part, counted by valgrind.

    python bench/activity_parts.py [FILE] [--lines 2000,6000]

The check is called alone on the decoded commands of the file's first lines (the decode
is done before, and subtracted with the rest of the run: the count of a run over the
smaller number of lines is taken from the larger one's). Parts:

- `none`: a check that vouches for every line (the loop and the call);
- `identifiers`: the check's identifiers part alone (`_identifiers_check`);
- `no103`: the whole check without MIC103 (its proof of no key written twice);
- `all`: the whole check, every rule enabled.

So `identifiers - none` is the identifiers, `all - no103` the MIC103 proof, and `no103 -
identifiers` the rest (the clock, the times, the events, the optional objects). The
figures are in docs/performance.md ("Where an activity line's check goes"). Needs
valgrind.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# valgrind's count of one `python -c CODE ARGS`, as bench/instructions.py runs it
from instructions import instructions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "bench" / "data" / "activities-20000-s7.ndjson"
PARTS = ("none", "identifiers", "no103", "all")

RUN = """
import sys
sys.path.insert(0, sys.argv[4])
from mics_lint import fastpath
from mics_lint.doctypes import DOC_TYPES
from mics_lint.rules import REGISTRY
from mics_lint.rules.activity_fast import activity_check, _identifiers_check
from mics_lint.rules.fast_checks import Screens
from mics_lint.schema import load_schema
kind = DOC_TYPES["USER_ACTIVITY"]
decoder = fastpath.struct_decoder(load_schema(kind.schema_file), closed=kind.fast_closed)
with open(sys.argv[1], "rb") as file:
    lines = [line for _, line in zip(range(int(sys.argv[2])), file)]
commands = [decoder.decode(line) for line in lines]
enabled, part = frozenset(REGISTRY), sys.argv[3]
if part == "none":
    check = lambda c, raw, lineno, plain: True
elif part == "identifiers":
    identifiers = _identifiers_check(Screens(enabled), fastpath.UNSET, True)
    check = lambda c, raw, lineno, plain: identifiers(c, raw)
else:
    codes = enabled - {"MIC103"} if part == "no103" else enabled
    check = activity_check(codes, None, decoder, {})
vouched = sum(check(c, raw, n + 2, True) is True for n, (c, raw) in enumerate(zip(commands, lines)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("--lines", default="2000,6000", help="two sizes: SMALL,LARGE")
    parser.add_argument("--checkout", default=str(ROOT), help="a folder holding mics_lint/")
    args = parser.parse_args()
    small, large = (int(n) for n in args.lines.split(","))
    print(f"{args.file.name}, lines {small + 1} to {large}, checkout {args.checkout}")
    print(f"{'part':12} {'instructions a line':>20}")
    for part in PARTS:
        before, after = (
            instructions(RUN, str(args.file), str(n), part, args.checkout) for n in (small, large)
        )
        print(f"{part:12} {(after - before) / (large - small):>20,.0f}")


if __name__ == "__main__":
    main()
