"""Lines whose only fault is an identifier of the wrong type (`"compartment_id": 1000` on
every line of an export), kept off the full checks: `LoosePath.line`. A line whose wrong
id is a positive integer is told from the first line of that key and value, a template
(`LoosePath._told`, templates.py): issue 14's target of three times a valid line's cost."""

# No `from __future__ import annotations`: see fastloop.py.

from collections.abc import Callable
from typing import Any

from mics_lint.diagnostic import Diagnostic
from mics_lint.fix_edits import is_shallow
from mics_lint.framer import BACKSLASH, ended_body
from mics_lint.linecheck import LineChecker
from mics_lint.parsed import Retyped
from mics_lint.registry import FastCheck, LineContext, Rule
from mics_lint.rules import structure
from mics_lint.templates import Template, stamped, template_of

#: The diagnostics of a line on which only this rule can fire (FastLoop._one_rule): passed
#: to each `line`, not kept, which would make a cycle of the FastLoop that keeps this path
#: (freed then only by the collector, with the file's buffers: tests/test_memory_cycles.py).
OneRule = Callable[[bytes, int, Rule, Any], "list[Diagnostic] | None"]

_CODES = frozenset({structure.WRONG_TYPE.code})


class LoosePath:
    """The loose decoder of a type (DocType.fast_loose), its fast check without MIC501, and
    (attribute, field, stand-in, field schema) of each field it takes loosely."""

    def __init__(
        self,
        checker: LineChecker,
        decode: Callable[[bytes], Any],
        check: FastCheck,
        fields: tuple[tuple[str, str, str, dict[str, Any]], ...],
        unset: Any,
        decode_errors: tuple[type[Exception], ...],
    ) -> None:
        self.checker = checker
        self.decode = decode
        self.check = check
        self.fields = fields
        self.unset = unset
        self.decode_errors = decode_errors
        # The template of the diagnostics of a line told by its one wrong id (`_told`).
        self.templates: dict[tuple[str, int], Template] = {}
        self.quoted = {name: f'"{name}"'.encode() for _, name, _, _ in fields}

    def line(
        self, raw: bytes, lineno: int, plain: bool, vouch: FastCheck | None, one_rule: OneRule
    ) -> list[Diagnostic] | None:
        """The diagnostics of a line the fast decoder refused only because an identifier is
        not a string (`compartment_id: 1000` on every line of an export), or None.

        The loose decoder takes those identifiers with any value and every other field as
        the fast decoder does. A stand-in string goes in place of each identifier that is a
        number, a boolean or null, and the fast check runs without MIC501: if it vouches,
        the full checks would find nothing but MIC202 on those identifiers. The rules read
        an identifier only through `isinstance(value, str)` (presence aside, unchanged),
        and MIC501 skips a user named by an id that is not a string. So the line gets what
        the full checks give it, made by the code `schema_findings` uses for jsonschema's
        `type` errors, at a fraction of the cost: a file whose every line has
        this mistake stays cheap. tests/test_fastpath.py holds it to the full checks.

        Once two lines in a row were taken so (a lone one: FastLoop._vouched), the next
        ones are decoded loosely first (no failed strict decode each): `vouch`, the fast
        check, then takes a line whose identifiers are all strings, which the strict
        decoder would have decoded the same (those fields are plain strings to it), its
        verdict taken as the fast loop takes it.
        """
        checker = self.checker
        try:
            command = self.decode(raw)
        except self.decode_errors:
            return None
        wrong = []
        unset = self.unset
        for attribute, name, stand_in, subschema in self.fields:
            value = getattr(command, attribute)
            if value is unset or type(value) is str:
                continue
            if value is not None and type(value) not in (int, float, bool):
                return None  # an array or an object: the full checks say more about it
            wrong.append((name, value, subschema))
            if type(value) is not float:  # written as str() writes it (but "-0"): as long
                stand_in += "0" * (len(str(value)) - 2 - len(stand_in))
            setattr(command, attribute, stand_in)
        if not wrong:
            verdict = False if vouch is None else vouch(command, raw, lineno, plain)
            if verdict is True or verdict is False:
                return [] if verdict else None
            # Not the full checks: MIC501 is queued.
            return one_rule(raw, lineno, verdict, command)
        if lineno == 1 or self.check(command, raw, lineno, plain) is not True:
            return None
        body = ended_body(raw)  # LF, or CRLF after MIC003
        told = self._told(wrong, raw, body, lineno)
        if told is not None:
            template = self.templates.get(told)
            if template is not None:
                return stamped(checker, template, body, lineno)
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        found, retyped = [], []
        for name, value, subschema in wrong:  # each with its finding's column: its mark's
            found.append(one := structure.top_level_type_finding(name, value, subschema, ctx))
            retyped.append((name, value, one[1].column or 1))
        made = checker.stamp(found, body, lineno, ctx.decoded, Retyped(retyped))
        if told is not None:
            quoted = f'"{told[0]}"'
            text = ctx.text  # as `stamp` decodes it
            template = template_of(made, _CODES, text, {text.find(quoted) + 1: quoted})
            if template is not None:
                if len(self.templates) >= 1024:
                    self.templates.clear()
                self.templates[told] = template
        return made

    def _told(
        self, wrong: list[tuple[str, Any, dict[str, Any]]], raw: bytes, body: bytes, lineno: int
    ) -> tuple[str, int] | None:
        """The key of the template of the line's diagnostics, if they may be told by its one
        wrong id: a positive integer (written as `str` writes it: JSON has no other way;
        zero may be `-0`), its key written once in a line without a backslash. All the
        line's diagnostic reads is then that key and value (`top_level_type_finding`'s
        message), where the key is written (a template's column), and what its fix mark
        reads: the key and value (`RecordFixer.retyped`'s known case: a shallow line), and
        the marks' state, which `alike_ok` vouches for, as for laxpath.py's templates. None
        for any other line."""
        if len(wrong) != 1:
            return None
        name, value, _ = wrong[0]
        if type(value) is not int or value <= 0 or BACKSLASH in raw:
            return None
        quoted = self.quoted[name]
        start = raw.find(quoted)
        if (
            start < 0
            or raw.find(quoted, start + len(quoted)) >= 0
            or not is_shallow(body)
            or not self.checker.fix_marks.alike_ok(lineno)
        ):
            return None
        return name, value
