"""Lines whose only fault is a key the schema does not know (`"forceReplace": true` on
every line of an export), kept off the full checks.

The fast decoder refuses a line with an unknown key (its Struct forbids them, as the schema
does). `LaxPath` decodes such a line again with the same Struct that lets unknown keys
pass, and has the type's fast check judge the rest: when it vouches (or names the one rule
that can fire, see registry.FastCheck), the line's diagnostics are the schema's findings
about its keys (MIC204, made by the code the full checks use, remembered by the record's
shape) and that rule's. Exact because, before the check runs (it may record the line's
user for MIC501, which the line must then keep):

- orjson parses the line, and every key it has beyond the schema's is written once and
  plainly (no backslash: no escaped spelling of a key to miss) (MIC103);
- no guard rule takes the record (guards.py: of another type, MIC207; of its type's
  wrong shape);
- the schema's findings about it are all MIC204: the decoder, made from the same schema,
  took every known field, so nothing else can be wrong with them (those findings are
  looked up by the record's keys, which is exact for a line the fast check then vouches
  for: its values pass, schema_errors.record_findings);

and the type declares that none of its record rules reads a key its schema does not name
(`DocType.fast_lax`: profiles; a deletion's MIC902 reads `hash` on a USER_AGENT line).
tests/test_fastpath.py, tests/test_fastpath_types.py and tests/test_lax_path.py hold it to
the full checks.

The fix marks of such a line (fixmarks.py) are remembered by its keys, in order: the fixer
the marks ask makes no edit of it, so proves none. Its known keys' values are valid (the
decoder took them: no MIC202 or MIC203 to fix); what is left are renames of its unknown
keys (MIC204) and trims of its identifiers (MIC307), unsafe fixes both, which the marks
count without an edit (tests/test_lax_path.py holds them unsafe). Whether a key would be
renamed depends on the record's other keys alone (the name it would take there already,
taken by another key, or of the other form), never on a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.framer import BACKSLASH, split_ending
from mics_lint.linecheck import LineChecker, finding_code
from mics_lint.parsed import Alike
from mics_lint.registry import FastCheck, LineContext
from mics_lint.rules.structure import UNKNOWN_FIELD, record_findings
from mics_lint.schema import OTHER_FORM_KEYS

_UNKNOWN_ONLY = {UNKNOWN_FIELD.code}


class LaxPath:
    """The second try of a line the fast decoders refused (see the module's docstring)."""

    def __init__(
        self,
        checker: LineChecker,
        decode: Callable[[bytes], Any],
        refused: tuple[type[Exception], ...],
    ) -> None:
        self.checker = checker
        self.decode = decode
        self.refused = refused
        self.known = frozenset(checker.schema.get("properties", {}))
        # Keys of the profile form not checked: unknown to the schema, but rules still read
        # them (a datamart's MIC251 reads a force_replace under "update_strategy" as a
        # replace), which the lax decoder's command leaves out.
        self.read_anyway = frozenset(checker.schema.get(OTHER_FORM_KEYS, {}))
        self.quoted: dict[str, bytes] = {}
        # An unknown key of the last line read here, quoted (see `again`).
        self.last = b""

    def again(self, raw: bytes) -> bool:
        """Whether `raw` has the unknown key of the last line read here written in it: the
        line after one taken here tries this path first only then (an export repeats its
        mistake), and a clean line after an odd one is decoded at once, without orjson."""
        return raw.find(self.last) >= 0  # not `in`: see framer.BACKSLASH

    def line(
        self, raw: bytes, lineno: int, plain: bool, vouch: FastCheck
    ) -> list[Diagnostic] | None:
        """The line's diagnostics, or None: the full checks decide."""
        if lineno == 1 or BACKSLASH in raw:  # line 1 may start with a BOM
            return None
        # The keys first: a line that holds a key of the last one taken here tries this path
        # first (fastloop.py, `again`), and may well be clean, which they tell before a decode.
        body = split_ending(raw)[0]
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(record, dict) or not self._keys_once(record, raw):
            return None
        try:
            command = self.decode(raw)
        except self.refused:
            return None
        checker = self.checker
        if checker.guard.guarded(record):
            return None
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        keys = tuple(record)
        found: list[tuple[str, Finding]] = []
        if checker.check_schema:
            # Not contextlib.suppress, nor any() below: each is a call a line (Python 3.11).
            try:  # noqa: SIM105
                found = record_findings(checker.schema_file, record, checker.schema, ctx, keys)
            except RecursionError:
                pass
            if not found or set(map(finding_code, found)) != _UNKNOWN_ONLY:
                return None
        verdict = vouch(command, raw, lineno, plain)
        if verdict is False:
            return None
        told = Alike((record, keys))
        return checker.stamp_record(found, None if verdict is True else verdict, record, ctx, told)

    def _keys_once(self, record: dict[str, Any], raw: bytes) -> bool:
        """Whether the record has a key the schema does not know, and each is written once
        in the line (its quoted spelling found once: a key written twice, or also a string
        value, means the full checks)."""
        unknown = record.keys() - self.known
        if not unknown or not unknown.isdisjoint(self.read_anyway):
            return False
        for key in unknown:
            quoted = self.quoted.get(key)
            if quoted is None:
                quoted = orjson.dumps(key)
                if len(self.quoted) < 1024:
                    self.quoted[key] = quoted
            if raw.count(quoted) != 1:
                return False
            self.last = quoted  # any of them will do for `again`
        return True
