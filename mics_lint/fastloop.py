"""The fast path: most lines of a large file, vouched for by a document type's fast check
without the full checks.

A line the type's msgspec decoder takes and its fast check vouches for gets no diagnostic;
any other line goes to `LineChecker.check_line`, which alone writes diagnostics. The engine
prepares a fast path for a file only when the fast check covers every enabled rule its lines
may break (`DocType.fast_uncovered`). Lines are read ahead in groups and screened together
(see `FastLoop.run`); a line the decoder refuses only because an identifier has the wrong
type stays on a fast path too (loosepath.py).
"""

# No `from __future__ import annotations` here: typing compiles each string annotation of
# a NamedTuple's fields at import (start-up, issue 14; tests/test_startup.py).

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint import config
from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.framer import BACKSLASH, LESS_THAN, is_utf8, split_ending
from mics_lint.linecheck import INVALID as INVALID_LINE
from mics_lint.linecheck import LineChecker
from mics_lint.longints import block_long_int_screen, may_hold_long_int
from mics_lint.reading import LineReader
from mics_lint.registry import FastCheck, LineContext, Rule
from mics_lint.rules import crossline
from mics_lint.schema import allowing_unknown_keys
from mics_lint.templates import RuleTemplates
from mics_lint.userstore import BatchUsers

if TYPE_CHECKING:  # imported where the fast path starts: a small file never needs it
    from mics_lint.grouploop import GroupCheck
    from mics_lint.laxpath import LaxPath
    from mics_lint.loosepath import LoosePath


def _comma_end(raw: bytes) -> bool:
    """Whether a line ends with a comma (`},`) or a comma and a closing bracket (`,}`), as a
    run of lines msgspec refuses for a comma does (FastLoop._group; `find`: framer.LESS_THAN)."""
    tail = raw[-5:]
    return tail.find(b",\n") >= 0 or tail.find(b",}") >= 0 or tail.find(b",]") >= 0


class FastLoop:
    """The fast path of one file (or chunk), sharing its `LineChecker`."""

    def __init__(self, checker: LineChecker, settings: Settings, first_line: int) -> None:
        self.checker = checker
        doc_type = checker.doc_type
        # The fast path vouches for a line only where it knows every rule that could fire
        # on it: a rule it does not cover (one just added, say) means the full checks.
        self.wanted = (
            settings.fast_path
            and doc_type.fast_check is not None
            and not doc_type.fast_uncovered(checker.enabled)
        )
        start = settings.fast_path_from
        if start is None:
            start = config.default_fast_path_from()  # looked up now: tests may change it
        # A chunk (first_line > 1) is part of a large file: fast from its first line.
        self.start_at = start if first_line == 1 else 0
        self.decode: Callable[[bytes], Any] | None = None
        self.vouch: FastCheck | None = None
        self.vouch_group: GroupCheck | None = None  # `vouch` over a group (grouploop.py)
        self.decode_errors: tuple[type[Exception], ...] = ()
        self.invalid: type[Exception] | None = None  # what the decoders refuse as JSON
        self.unknown_key: str | None = None  # how an INVALID starts for an unknown key
        self.trailing = ""  # how the decoders' error for a comma at the end reads
        self.loose: LoosePath | None = None
        # The file's reader, if it can read lines again (MIC501's window: userswindow.py).
        self.again: LineReader | None = None
        self.lax: LaxPath | None = None
        self.long_ints: Callable[[bytes], bool] = may_hold_long_int
        # The last line's only fault (an id's type, a key, a comma), tried first: see _group.
        self.streak = self.lax_streak = self.commas = False
        self.loose_last = 0  # the last line the loose path took in `_vouched`
        self.templates = RuleTemplates()  # `_one_rule`'s, and how a
        self.keys_told: dict[type, Any] = {}  # command of each Struct tells its keys

    def prepare(self, lines_read: int, bytes_read: int) -> None:
        """Makes the decoder and the check (`vouch` stays None where there is none), once
        `lines_read` lines of `bytes_read` bytes were read the full way."""
        checker = self.checker
        from mics_lint import fastpath

        self.wanted = False
        self.decode_errors = fastpath.DECODE_ERRORS
        self.invalid = fastpath.INVALID
        self.unknown_key = fastpath.UNKNOWN_KEY
        self.trailing = fastpath.TRAILING
        closed = checker.doc_type.fast_closed
        decoder = fastpath.made(
            (checker.schema_file, closed),
            lambda: fastpath.struct_decoder(checker.schema, closed=closed),
        )
        if decoder is None or checker.doc_type.fast_check is None:
            return
        if (
            isinstance(checker.users, BatchUsers)
            and checker.runs(crossline.DUPLICATE_USER)
            and checker.size
            and bytes_read
            and lines_read
        ):
            # Room at once for as many users as the first lines promise, up to a bound.
            expected = checker.size * lines_read // bytes_read
            share = checker.users.count / lines_read
            checker.users.reserve(int(expected * share))
        if checker.doc_type.fast_loose:
            self.loose = self._loose_path(fastpath)
        self.lax = self._lax_path(fastpath)
        self.decode = decoder.decode
        self.vouch = checker.doc_type.fast_check(
            checker.enabled, checker.users, decoder, checker.state
        )
        from mics_lint.grouploop import group_check

        self.vouch_group = group_check(self.vouch, self.decode, self.decode_errors)
        self.long_ints = block_long_int_screen()  # numpy's, if MIC501's table brought it

    def _lax_path(self, fastpath: Any) -> "LaxPath | None":
        """The try of a line refused for an unknown key: see laxpath.py. For a type that
        declares it (`DocType.fast_lax`), whose schema refuses unknown keys."""
        checker = self.checker
        lax = allowing_unknown_keys(checker.schema) if checker.doc_type.fast_lax else None
        if lax is None:
            return None
        decoder = fastpath.made((checker.schema_file, "lax"), lambda: fastpath.struct_decoder(lax))
        if decoder is None:
            return None
        from mics_lint.laxpath import LaxPath

        return LaxPath(checker, decoder.decode, fastpath.DECODE_ERRORS)

    def _loose_path(self, fastpath: Any) -> "LoosePath | None":
        """The second try of a line the fast decoder refused: see loosepath.py."""
        checker = self.checker
        names = dict(checker.doc_type.fast_loose)
        closed = checker.doc_type.fast_closed
        decoder = fastpath.made(
            (checker.schema_file, closed, *names),
            lambda: fastpath.struct_decoder(checker.schema, closed=closed, loose=frozenset(names)),
        )
        if decoder is None or checker.doc_type.fast_check is None:
            return None
        properties = checker.schema.get("properties", {})
        fields = []
        for name, stand_in in names.items():
            subschema = properties.get(name)
            # A field the strict decoder takes as any string: decoded loosely, a string is
            # what the strict decoder would have made of it (see LoosePath.line).
            if not isinstance(subschema, dict) or not fastpath.plain_string(subschema):
                return None
            fields.append((fastpath.attribute(name), name, stand_in, subschema))
        # Without MIC501: a user named by an id of the wrong type is no one (crossline.user_key).
        check = checker.doc_type.fast_check(checker.enabled, None, decoder, checker.state)
        from mics_lint.loosepath import LoosePath

        errors = fastpath.DECODE_ERRORS
        return LoosePath(checker, decoder.decode, check, tuple(fields), fastpath.UNSET, errors)

    def run(
        self, groups: Iterable[list[bytes]], lineno: int, offset: int = 0
    ) -> Iterator[list[Diagnostic]]:
        """The diagnostics of the lines after line `lineno` (`offset`: the bytes of the lines
        before them, as given), a group's at a time, the fast path first: the loop most
        lines of a large file go round, kept short.

        Lines come in groups (splitrecords.Splitter.line_groups) screened together: a group
        with no `<`, no backslash, no run of 19 digits anywhere and valid UTF-8 throughout
        spares each of its lines four tests of its own (one over the group costs a tenth of
        those). A read error is raised once the lines read before it are checked.
        """
        assert self.vouch is not None, "prepare() made no fast check"
        self.streak = False  # decode loosely first: see loosepath.py
        users = self.checker.users
        from mics_lint.userswindow import UsersWindow

        window = (
            UsersWindow(self.checker, users, self.again, offset)
            if isinstance(users, BatchUsers) and self.checker.runs(crossline.DUPLICATE_USER)
            else None
        )
        groups = iter(groups)
        while True:
            try:
                group = next(groups, None)
            except Exception:
                if window is not None:
                    yield window.flush()
                raise
            if group is None:
                if window is not None:
                    yield window.flush()
                return
            block = b"".join(group)
            made = self._group(group, block, lineno)
            if window is not None:
                made = window.add(group, block, lineno, made)
            if made:
                yield made
            lineno += len(group)

    def _group(self, group: list[bytes], block: bytes, lineno: int) -> list[Diagnostic]:
        """The diagnostics of one group of lines (`block`: joined), from line `lineno + 1`."""
        checker = self.checker
        count_bytes = not checker.size_reported  # until MIC006 is reported
        # A run of commas (see below) goes on into a group whose first and last lines end
        # alike, not screened: they skip the fast checks (one that does not screens itself).
        commas = self.commas and _comma_end(group[0]) and _comma_end(group[-1])
        plain = not commas and self._plain(block)
        simple = self._simple(group, block, count_bytes)
        if simple and count_bytes:
            checker.bytes_read += len(block)
        if simple and self.vouch_group is not None:
            return self._vouched(group, lineno, plain, commas)
        return self._lines(group, lineno, plain, simple, commas, resume=False)[0]

    def _vouched(
        self, group: list[bytes], lineno: int, plain: bool, commas: bool
    ) -> list[Diagnostic]:
        """The diagnostics of a group that needs no test per line (`_simple`): its lines
        through the fast check over the group (grouploop.py), which stops at each line it
        does not vouch for; that line is taken as `_lines` takes it, and so are the lines
        of a streak (see `_lines`), until it ends."""
        vouch_group = self.vouch_group
        assert vouch_group is not None
        self.commas = commas
        found: list[Diagnostic] = []
        first = lineno
        while lineno - first < len(group):
            rest = group[lineno - first :] if lineno != first else group
            # A streak the next line ends at once, as `_lines` would find: no detour (a
            # lone bad line's next line cost twice its bytecodes there).
            if self.commas and not _comma_end(rest[0]):
                self.commas = False
            if self.lax_streak and self.lax is not None and not self.lax.again(rest[0]):
                self.lax_streak = False
            if self.streak or self.lax_streak or self.commas:
                streak, lineno = self._lines(rest, lineno, plain, True, self.commas, resume=True)
                found += streak
                continue
            stop, verdict, command = vouch_group(rest, lineno, plain)
            if not stop:
                break
            raw, made = group[stop - first - 1], None
            if isinstance(verdict, Exception):
                made, loose, self.lax_streak, self.commas = self._refused(verdict, raw, stop, plain)
                # An id's wrong type starts a streak on the second line in a row: a lone
                # one's next line is decoded strictly, as a clean one is (loosely first, it
                # cost 350 bytecodes more); an export's every line pays one failed decode.
                self.streak = loose and self.loose_last == stop - 1
                if loose:
                    self.loose_last = stop
            elif verdict is not False:
                made = self._one_rule(raw, stop, verdict, command)
            found += self._full(raw, stop, False) if made is None else made
            lineno = stop
        return found

    def _lines(
        self,
        group: list[bytes],
        lineno: int,
        plain: bool,
        simple: bool,
        commas: bool,
        *,
        resume: bool,
    ) -> tuple[list[Diagnostic], int]:
        """The diagnostics of a group's lines after line `lineno`, a line at a time, and the
        last line taken: the group's last, or with `resume` the streak's last (the last
        line's only fault: an identifier's type, a key, a comma at its end: `commas`)."""
        checker = self.checker
        decode, vouch, errors = self.decode, self.vouch, self.decode_errors
        assert decode is not None and vouch is not None
        size, limit, max_raw = checker.size, checker.limit, checker.max_line + 1
        count_bytes = not checker.size_reported  # until MIC006 is reported
        loose, one_rule = self.loose.line if self.loose is not None else None, self._one_rule
        lax, streak, lax_streak = self.lax, self.streak, self.lax_streak
        found: list[Diagnostic] = []
        over = False
        for raw in group:
            if resume and not (streak or lax_streak or commas):
                break  # back to the check over the group (`_vouched`)
            lineno += 1
            if not simple:
                over = False
                if count_bytes:
                    checker.bytes_read += len(raw)
                    over = (size if size is not None else checker.bytes_read) > limit
            if simple or (
                not over
                and raw[-1:] == b"\n"
                and (checker.crlf_reported or raw[-2:-1] != b"\r")
                and len(raw) <= max_raw
            ):
                if streak and loose is not None:  # the last line's only fault: an id's type
                    made = loose(raw, lineno, plain, vouch, one_rule)
                    if made is not None:
                        # A clean line ends the streak (cheaper with the strict decoder).
                        streak = bool(made)
                        found += made
                        continue
                    streak = False
                else:
                    if commas:  # the last line was refused for a comma at its end
                        commas = _comma_end(raw)
                        if commas:  # as this one will be: no decode to fail first
                            made, kind = checker.check_line(raw, lineno, over)
                            commas = kind == INVALID_LINE
                            found += made
                            count_bytes = not checker.size_reported
                            continue
                    if lax_streak and lax is not None:  # the last line's only fault: a key
                        made = lax.line(raw, lineno, plain, vouch) if lax.again(raw) else None
                        if made is not None:
                            found += made
                            continue
                        lax_streak = False
                    try:
                        command = decode(raw)
                    except errors as error:
                        made, streak, lax_streak, commas = self._refused(error, raw, lineno, plain)
                        if made is not None:
                            found += made
                            continue
                    else:
                        verdict = vouch(command, raw, lineno, plain)
                        if verdict is True:
                            continue
                        if verdict is not False:
                            made = one_rule(raw, lineno, verdict, command)
                            if made is not None:
                                found += made
                                continue
            found += self._full(raw, lineno, over)
            count_bytes = not checker.size_reported
        self.streak, self.lax_streak, self.commas = streak, lax_streak, commas
        return found, lineno

    def _full(self, raw: bytes, lineno: int, over: bool) -> list[Diagnostic]:
        """The full checks' diagnostics of a line, its user taken back if the fast check
        queued it (one rule left but orjson refused `1e400`): else its MIC501 came twice."""
        users = self.checker.users
        if isinstance(users, BatchUsers):
            users.withdraw(lineno)
        return self.checker.check_line(raw, lineno, over)[0]

    def _refused(
        self, refused: Exception, raw: bytes, lineno: int, plain: bool
    ) -> tuple[list[Diagnostic] | None, bool, bool, bool]:
        """A line the fast decoder refused: its diagnostics if the loose path (an identifier
        of the wrong type) or the lax path (an unknown key) answers it, else None (the full
        checks); and the streaks it starts: loose, lax, commas (see _group). Not JSON to
        msgspec (a trailing comma): no other decoder takes it, and the next lines with a
        comma at their end (an export writing one a line) go straight to the full checks,
        which tell a valid line too. An unknown key: the loose decoder, closed as this one
        is, refuses it too (fastpath.UNKNOWN_KEY)."""
        if type(refused) is not self.invalid:
            return None, False, False, self.trailing in str(refused)
        assert self.vouch is not None and self.unknown_key is not None
        if self.loose is not None and not str(refused).startswith(self.unknown_key):
            made = self.loose.line(raw, lineno, plain, None, self._one_rule)
            if made is not None:
                return made, True, False, False
        if self.lax is not None:
            made = self.lax.line(raw, lineno, plain, self.vouch)
            if made is not None:
                # The next lines try it first: the strict and loose decoders refuse a line
                # with a key they do not know.
                return made, False, True, False
        return None, False, False, False

    def _plain(self, block: bytes) -> bool:
        """Whether no line of the group needs the screens of its own: no `<`, no backslash,
        no run of 19 digits, valid UTF-8."""
        return (
            LESS_THAN not in block
            and BACKSLASH not in block
            and not (self.checker.check_ints and self.long_ints(block))
            and (block.isascii() or is_utf8(block))
        )

    def _simple(self, group: list[bytes], block: bytes, count_bytes: bool) -> bool:
        """Whether the group needs no test per line before its lines' fast path: within
        max-file-size, without a CR (or with MIC003 reported already), and its last line
        whole and short (only a last line may be cut or end the file unfinished; the others
        are shorter than max-line-bytes, or the group would have ended). Its bytes can be
        counted at once: none of its lines can change the file's MIC006 or MIC003 state."""
        checker = self.checker
        last, size = group[-1], checker.size
        return (
            last[-1:] == b"\n"
            and len(last) <= checker.max_line + 1
            and (0x0D not in block or checker.crlf_reported)  # a CR (an int: framer.py)
            and not (
                count_bytes
                and (size if size is not None else checker.bytes_read + len(block)) > checker.limit
            )
        )

    def _one_rule(
        self, raw: bytes, lineno: int, rule: Rule, command: Any = None
    ) -> list[Diagnostic] | None:
        """The diagnostics of a line on which no rule but `rule` can fire, as its fast check
        says (see registry.FastCheck): that rule's own check on the parsed record, stamped
        as the full checks stamp a line; None (the full checks decide) for line 1, which may
        start with a BOM, or if orjson refuses what msgspec took. Or told from those of the
        first line of the same keys and operation (templates.py), as `command`, its decode,
        tells them (fastpath.keys_told: all the schema's), where `rule` declares its findings
        decided by those (Rule.by_keys: no identifier, no force_replace, no compartment_id,
        on every line of an export) and the marks are those of any line that parsed
        (FixMarks.alike_ok): they ask the fixer nothing of a line whose diagnostics have no
        fix (a template's have none). A finding at a key is told where the line writes it
        once (templates.RuleTemplates)."""
        if lineno == 1:
            return None
        checker, body = self.checker, split_ending(raw)[0]  # LF, or CRLF once MIC003 was reported
        keys: tuple[Any, ...] | None = None
        if rule.by_keys and command is not None:
            kind = type(command)
            told = self.keys_told.get(kind, self)
            if told is self:
                from mics_lint.fastpath import keys_told

                told = self.keys_told[kind] = keys_told(kind)
            if told is not None:
                keys = (rule.code, kind, told(command), getattr(command, "operation", None))
                if checker.fix_marks.alike_ok(lineno):
                    made = self.templates.told(keys, checker, body, lineno)
                    if made is not None:
                        return made
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        alike = keys is not None and checker.fix_marks.alike_ok(lineno)  # before the marks
        made = checker.stamp_record([], rule, record, ctx)
        if keys is not None and alike and all(one.fix is None for one in made):
            self.templates.learn(keys, made, rule.code, ctx.text, record)
        return made
