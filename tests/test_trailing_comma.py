"""Lines that end in a comma (a JSON array's items pasted as lines), told cheaply.

The linter tells a line that is one object and a comma by one orjson parse
(jsontext.object_and_comma), does not ask orjson about a line that ends in a comma, and tells
the record fixer what the line is (parsed.OBJECTS); before, the standard library parsed such
a line three times (is it JSON after all, invalid_json_message's first case, the fixer's
split). A line that ends in `,}` (a trailing comma inside) was parsed twice by it: whether
the line is JSON after all, and whether a value ends before its end
(syntax._after_first_value), which the first parse's error now tells. When the cheap tests
say no, the old decisions run; patched to say no always, they are the reference: every
diagnostic, column, message and fix mark must be the same either way, on generated files
whose lines reach the corners of both: whitespace that JSON allows or not around the comma
(NBSP, form feed), several objects on a line, commas inside strings and nested values,
escapes and lone surrogates, integers past 64 bits or of thousands of digits, numbers past
a float's range, NaN, nesting near the cheap test's limit and past the parsers', invalid
UTF-8, a BOM, CRLF, a missing final newline, blank lines and broken lines between them (the
fixer splits no line after a broken one).
MICS_LINT_FUZZ_EXAMPLES sets the number of examples (default 200).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mics_lint import (
    Settings,
    fastloop,
    framer,
    jsontext,
    linecheck,
    lint_lines,
    opening,
    splitrecords,
)
from mics_lint.fix_edits import objects
from mics_lint.grouploop import group_check
from mics_lint.jsontext import object_and_comma, parse_exact
from mics_lint.rules import syntax

EXAMPLES = int(os.environ.get("MICS_LINT_FUZZ_EXAMPLES", "200"))

SETTINGS = {
    "default": Settings(),
    "slow": Settings(fast_path=False),
    "show": Settings(show_values=True),
}

# -- generated lines ---------------------------------------------------------------------

_KEYS = ["operation", "compartment_id", "user_account_id", "email_hash", "user_profile", "a,b"]
_STRINGS = ["UPSERT", "DELETE", "1000", "a,b", "}", "],", '"', "\\", "é", "🚚", "x@y.com", ""]
# Raw JSON text of scalars, some of which only the exact parser takes, or neither.
_RAW_SCALARS = [
    "true",
    "null",
    "0",
    "-1",
    "1.5",
    "51.859",
    "1e3",
    "12345678901234567890123",  # past 64 bits: a float to orjson
    "9223372036854775808",
    "1e400",  # past a float's range: orjson refuses it
    "-0",
    '"\\ud800"',  # a lone surrogate: orjson refuses it
    '"\\u00e9\\n"',
    "NaN",  # not JSON
    "'single'",  # not JSON
    "7" * 4400,  # more digits than int() takes: not by the decoder of _after_first_value
]
# Whitespace around the comma: JSON's, and other whitespace that str.strip also strips.
_SPACES = ["", " ", "\t", "  \t", "\r", "\x0b", "\x0c", "\xa0", "\u3000"]


def _scalar_text() -> st.SearchStrategy[str]:
    return (
        st.sampled_from(_RAW_SCALARS)
        | st.sampled_from(_STRINGS).map(lambda s: json.dumps(s, ensure_ascii=False))
        | st.integers(-(10**20), 10**20).map(str)
        | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    )


def _composite(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(st.tuples(st.sampled_from(_KEYS), inner), max_size=4)
    return st.lists(inner, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]") | items.map(
        lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}"
    )


_VALUES = st.recursive(_scalar_text(), _composite, max_leaves=8)


@st.composite
def _record(draw: st.DrawFn) -> str:
    """An object's text, maybe nested deep (the cheap test's limit is 128 brackets; the
    exact parser's recursion fails near 1,000), maybe with a trailing comma inside."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(_KEYS), _VALUES), max_size=4))
    body = ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs)
    depth = draw(st.sampled_from([0, 0, 0, 1, 60, 126, 127, 128, 129, 1010, 1200]))
    if depth:
        body += (',"deep":' if body else '"deep":') + "[" * depth + "]" * depth
    if draw(st.integers(0, 9)) == 0:
        body += ","  # `,}`: a trailing comma inside
    return "{" + body + "}"


@st.composite
def _comma_line(draw: st.DrawFn) -> str:
    """A line around one or more records and commas, of the shapes a paste gives."""
    space = st.sampled_from(_SPACES)
    records = draw(st.lists(_record() | _VALUES, min_size=1, max_size=3))
    joined = (draw(space) + "," + draw(space)).join(records)
    line = draw(space) + joined + draw(space)
    shape = draw(st.integers(0, 9))
    if shape == 0:
        line = "," + line  # a comma at its start
    elif shape == 1:
        line = "[" + line + "]"
    elif shape <= 8:
        line = line + "," + draw(space)
    if draw(st.integers(0, 14)) == 0 and line:  # one character dropped
        at = draw(st.integers(0, len(line) - 1))
        line = line[:at] + line[at + 1 :]
    return line


@st.composite
def _file(draw: st.DrawFn) -> list[bytes]:
    """Lines that end in a comma among valid, blank and broken ones."""
    valid = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-1"}'
    kinds = _comma_line() | st.sampled_from([valid, "", "  ", '{"operation":', "}", "],"])
    texts = draw(st.lists(kinds, min_size=1, max_size=6))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [text.encode("utf-8", "surrogatepass") + end.encode() for text in texts]
    if draw(st.integers(0, 9)) == 0:  # invalid UTF-8
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = lines[at].replace(b",", b"\xff,", 1)
    if draw(st.integers(0, 9)) == 0:
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    if draw(st.booleans()):
        lines[-1] = lines[-1].rstrip(b"\r\n")
    return lines


# -- the reference: the decision without the cheap test ----------------------------------


def _shown(lines: list[bytes], config: Settings) -> list[tuple[Any, ...]]:
    # Every field, the fix mark and the source included (not compared by Diagnostic's ==).
    return [dataclasses.astuple(d) for d in lint_lines(lines, "f.ndjson", config)]


@pytest.mark.parametrize("name", sorted(SETTINGS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines=_file())
def test_same_diagnostics_as_without_the_cheap_test(name: str, lines: list[bytes]) -> None:
    config = SETTINGS[name]
    cheap = _shown(lines, config)
    with (
        mock.patch.object(linecheck, "object_and_comma", lambda data: False),
        mock.patch.object(syntax, "_first_value_fails", lambda text, error: False),
        mock.patch.object(linecheck, "known_exact_error", lambda text, error: None),
    ):
        exact = _shown(lines, config)
    assert cheap == exact


@st.composite
def _brace_file(draw: st.DrawFn) -> list[bytes]:
    """Lines that end in `,}` (a comma after a record's last member, an export's every line):
    records that are JSON without that comma, and lines that are not (a second comma, a
    comma inside too, a broken value, a space before the brace, a second record)."""
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        record = draw(_record())
        inner = record[:-1]
        text = draw(
            st.sampled_from(
                [
                    inner + ",}",
                    inner + ",}",
                    inner + ",,}",
                    inner + ", }",
                    " " + inner + ",}",
                    '{"a":1} ' + inner + ",}",
                    "{,}",
                    '{"a":' + inner + ",},}",
                ]
            )
        )
        if draw(st.integers(0, 5)) == 0 and len(text) > 3:  # one character dropped
            at = draw(st.integers(0, len(text) - 3))
            text = text[:at] + text[at + 1 :]
        end = draw(st.sampled_from([b"\n", b"\r\n"]))
        lines.append(text.encode("utf-8", "surrogatepass") + end)
    if draw(st.integers(0, 5)) == 0:
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    return lines


@pytest.mark.parametrize("name", sorted(SETTINGS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=_brace_file())
def test_a_comma_before_the_last_brace_is_told_as_without_the_shortcut(
    name: str, lines: list[bytes]
) -> None:
    """syntax.comma_before_brace: a `{...,}` line told by one parse of the record without its
    comma gets the message, column, fix mark and fixer state of the general path."""
    config = SETTINGS[name]
    told = _shown(lines, config)
    with mock.patch.object(syntax, "comma_before_brace", lambda body: None):
        assert told == _shown(lines, config)


@st.composite
def _trailing_file(draw: st.DrawFn) -> list[bytes]:
    """Records with commas before their closing brackets, among valid and broken lines."""
    valid = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-1"}'
    kinds = _brace_file() | st.sampled_from(
        [
            [valid.encode() + b"\n"],
            [b'{"operation":\n'],
            [b'{"operation":"DELETE","email_hash":"a","tags":[1,2 ,],}\n'],
            [b'{"operation":"DELETE","email_hash":"a,]",}\n'],
            [valid.encode() + b",\n"],
        ]
    )
    return [line for lines in draw(st.lists(kinds, min_size=1, max_size=4)) for line in lines]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=_trailing_file(), fast=st.booleans())
# Found in CI: a line repeated after a broken line and a clean one took its marks from the
# linter's memo, made against the marks' state before the clean line ended the broken run.
@example(
    lines=[
        b'{"operation":\n',
        b'{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-1"}\n',
        b"\xef\xbb\xbf{,}\n",
        b"\xef\xbb\xbf{,}\n",
    ],
    fast=False,
)
def test_the_marks_of_trailing_commas_are_what_fix_does(lines: list[bytes], fast: bool) -> None:
    """The `[*]` marks of MIC101 on lines with commas before a closing bracket (told by the
    linter's one parse, TRAILING, or by the fixer's own removal) count what `--fix` fixes.
    (A record's own fixes made with it, MIC202 say, are of no diagnostic shown: the line
    did not parse. So are those of records split from one line.)"""
    import io

    from mics_lint.fix import StreamSink, fix_stream

    config = Settings(doc_type="profile", fast_path_from=1 if fast else None)
    found = list(lint_lines(lines, "f.ndjson", config))
    marked = sum(d.fix == "safe" for d in found if d.code == "MIC101")
    result = fix_stream(io.BytesIO(b"".join(lines)), StreamSink(io.BytesIO()), config, "f.ndjson")
    assert marked == result.fixed["MIC101"]


def test_a_comma_before_the_last_brace_is_one_parse() -> None:
    line = b'{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-1",}'
    assert syntax.comma_before_brace(line) == (
        line.decode(),
        ("trailing comma before '}': remove the comma", len(line) - 1),
    )
    for other in (line[:-1] + b" }", b" " + line, line[:-2] + b",,}", b'{"a":[1,],}'):
        assert syntax.comma_before_brace(other) is None, other


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=_comma_line())
def test_the_exact_error_tells_no_value_ends_before_the_end(line: str) -> None:
    try:
        parse_exact(line)
    except (ValueError, RecursionError) as error:
        if syntax._first_value_fails(line, error):
            assert syntax._after_first_value(line) is None


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=_comma_line()
    | st.sampled_from(
        ["1", "-0", "true", "null", '"a"', "[]", " {} \t", '{"a":1,}', "[1 , ]", '{"a":",}"}']
    )
)
def test_the_splitters_parse_test_is_orjsons(line: str) -> None:
    """opening.parses_alone answers as orjson does, though it spares orjson the lines
    that end in what no JSON text ends with (`{...},`, `{..., "x": 1,}`); but an object and
    its comma (a pasted array's item, which --fix makes a record) counts as one."""
    data = line.encode("utf-8", "surrogatepass")
    try:
        orjson.loads(data)
        parses = True
    except orjson.JSONDecodeError:
        parses = False
    assert opening.parses_alone(data, len(data)) is (parses or object_and_comma(data))


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=_comma_line())
def test_not_objects_is_what_objects_says(line: str) -> None:
    """A line the linter tells the fixer BROKEN (syntax.not_objects) is one the fixer's
    `objects` would not split: the mark it then skips computing is no mark."""
    try:
        parse_exact(line)
    except (ValueError, RecursionError) as error:
        if syntax.not_objects(line, error):
            try:
                spans = objects(line, allow_commas=True)
            except (ValueError, RecursionError):
                spans = None
            assert spans is None


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=_comma_line())
def test_object_and_comma_is_what_the_exact_parser_says(line: str) -> None:
    """What the linter concludes from object_and_comma, from the exact parser itself."""
    data = line.encode("utf-8", "surrogatepass")
    if not object_and_comma(data):
        return
    with pytest.raises(ValueError):
        parse_exact(line)  # not JSON: the linter does not ask
    assert syntax.invalid_json_message(line, 0, "") == syntax.separated_by_commas(line)
    spans = objects(line, allow_commas=True)  # what the fixer would split, told OBJECTS
    assert spans is not None and len(spans) == 1
    _, start, end = spans[0]
    assert line[start:end].startswith("{") and line[end:].strip(" \t\r\n") == ","


@pytest.mark.parametrize(
    "line",
    [
        '{"a":1},',
        ' \t{"a":[1,{"b":","}]} ,\t ',
        '{"a":"\\u00e9","b":{}},\r',
        '{"a":1,"a":2},',
    ],
)
def test_the_usual_shapes_are_told_cheaply(line: str) -> None:
    assert object_and_comma(line.encode())


@pytest.mark.parametrize(
    "line",
    [
        '{"a":1}',  # JSON
        '{"a":1},{"b":2},',  # two objects
        ',{"a":1},',
        '[{"a":1}],',
        "1,",
        '{"a":1}\xa0,',  # whitespace that JSON does not allow
        '{"a":1},\x0c',
        '{"a":NaN},',
        '{"a":"\\ud800"},',  # the exact parser takes it; orjson does not
        '{"a":1e400},',
        '{"a":' + "[" * 200 + "]" * 200 + "},",  # past the cheap test's nesting
        '{"a":1,},',
    ],
)
def test_other_shapes_are_left_to_the_exact_parser(line: str) -> None:
    assert not object_and_comma(line.encode("utf-8", "surrogatepass"))


class _Counting:
    """A JSON decoder that counts its calls."""

    def __init__(self, decoder: json.JSONDecoder) -> None:
        self.decoder = decoder
        self.calls = 0

    def decode(self, text: str) -> Any:
        self.calls += 1
        return self.decoder.decode(text)

    def raw_decode(self, text: str, at: int = 0) -> tuple[Any, int]:
        self.calls += 1
        return self.decoder.raw_decode(text, at)


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=_comma_line() | _record())
def test_the_known_exact_error_is_parse_exacts(line: str) -> None:
    """Where orjson's error tells what parse_exact would raise, parse_exact raises it: a
    JSONDecodeError in the first value, which the hints read alike."""
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError as error:
        known = jsontext.known_exact_error(line, error)
    else:
        return
    if known is None:
        return
    with pytest.raises(json.JSONDecodeError) as raised:
        parse_exact(line)
    assert type(raised.value) is json.JSONDecodeError
    assert jsontext.fails_in_first_value(raised.value, line)
    assert syntax.not_objects(line, known) == syntax.not_objects(line, raised.value)


def test_a_trailing_comma_inside_is_told_by_orjsons_error() -> None:
    told = set()
    for line in ('{"a":1,}', "[1,]", '{"a":[{"b":2,}]}', '{"a":1,} ,', ' {"a":{},}'):
        with pytest.raises(orjson.JSONDecodeError) as error:
            orjson.loads(line)
        known = jsontext.known_exact_error(line, error.value)
        assert known is not None, line
        told.add(id(known))
    # One error for all (only its type is read): its __init__ formats a message (Python).
    assert len(told) == 1
    deep = '{"a":' + "[" * 200 + "1," + "]" * 200 + "}"  # parse_exact's recursion: parse it
    for line in ('{"a":1} {"b":2,}', "{'a':1,}", deep, '{"a":1,', '\ufeff{"a":1,}'):
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError as error:
            assert jsontext.known_exact_error(line, error) is None, line


@pytest.mark.parametrize(
    ("line", "bracket", "column"),
    [
        ('{"a":1,}', "}", 7),  # the parser stops at the comma
        ('{"a":1 ,  }', "}", 8),
        ("[1,2,]", "]", 5),
        ('{"a":[1,2 , ]}', "]", 11),
        ('{"é":"🚚",}', "}", 9),  # columns in characters
        ('{"a":{"b":1,},"c":2}', "}", 12),
        ('{"a":1,\t}', "}", 7),
        ('{"a":1,]', "]", 7),  # or at the bracket after it: the column is the comma's
        ('{"a":[1,}', "}", 8),
    ],
)
def test_a_trailing_comma_is_named_with_its_column(line: str, bracket: str, column: int) -> None:
    # invalid_json_message tells these before its other cases (the commonest: `,}` on
    # every line of an export); the message and column are those it gave after them.
    with pytest.raises(orjson.JSONDecodeError) as error:
        orjson.loads(line)
    exact = jsontext.known_exact_error(line, error.value)
    if exact is None:
        with pytest.raises(ValueError) as raised:
            parse_exact(line)
        exact = raised.value
    pos = linecheck.char_pos(error.value, line)
    message = syntax.invalid_json_message(line, pos, error.value.msg, False, exact)
    assert message == (f"trailing comma before '{bracket}': remove the comma", column)


@pytest.fixture
def exact_calls() -> Iterator[list[_Counting]]:
    """The standard library's decoders of the linter, counting."""
    exact, plain = _Counting(jsontext._EXACT), _Counting(syntax._PLAIN)
    with mock.patch.object(jsontext, "_EXACT", exact), mock.patch.object(syntax, "_PLAIN", plain):
        yield [exact, plain]


def test_no_standard_library_parse_of_such_lines(exact_calls: list[_Counting]) -> None:
    record = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-%d"}'
    lines = [(record % n + ",\n").encode() for n in range(300)]
    found = list(lint_lines(lines, "f.ndjson"))
    assert [d.code for d in found] == ["MIC101"] * 300
    assert all(d.fix == "safe" for d in found)
    assert [counting.calls for counting in exact_calls] == [0, 0]


def test_no_standard_library_parse_of_a_trailing_comma_inside(
    exact_calls: list[_Counting],
) -> None:
    record = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-%d",}'
    lines = [(record % n + "\n").encode() for n in range(300)]
    found = list(lint_lines(lines, "f.ndjson"))
    assert [d.code for d in found] == ["MIC101"] * 300
    assert exact_calls[0].calls == 0


# -- a whole export with a comma on every line -------------------------------------------

_DELETE = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-%d"%s}'


def _decodes_counted(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The lines the fast path's decoder is asked about, from now on."""
    asked: list[bytes] = []
    prepare = fastloop.FastLoop.prepare

    def counting(self: fastloop.FastLoop, lines_read: int, bytes_read: int) -> None:
        prepare(self, lines_read, bytes_read)
        decode = self.decode
        if decode is not None:

            def decoding(raw: bytes) -> Any:
                asked.append(raw)
                return decode(raw)

            self.decode = decoding
            if self.vouch_group is not None:  # the check over a group decodes too
                assert self.vouch is not None
                self.vouch_group = group_check(self.vouch, decoding, self.decode_errors)

    monkeypatch.setattr(fastloop.FastLoop, "prepare", counting)
    return asked


@pytest.mark.parametrize(("inside", "after"), [(",", ""), ("", ",")], ids=["inside", "after"])
def test_a_comma_on_every_line_is_decoded_once(
    monkeypatch: pytest.MonkeyPatch, inside: str, after: str
) -> None:
    """After a line msgspec refused for a comma at its end (`{...,}`, or `{...},`: a JSON
    array's items), the next lines with one go straight to the full checks
    (fastloop.FastLoop._group, `commas`): one refused decode in all, not one a line. The
    diagnostics are those of the fast path off."""
    lines = [(_DELETE % (n, inside) + after + "\n").encode() for n in range(300)]
    asked = _decodes_counted(monkeypatch)
    fast = list(lint_lines(lines, "f.ndjson"))
    assert fast == list(lint_lines(lines, "f.ndjson", Settings(fast_path=False)))
    assert [d.code for d in fast] == ["MIC101"] * 300
    assert len(asked) == 1


def test_a_valid_line_with_a_comma_in_a_string_ends_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A valid line that ends as a comma line does (`,}"}`: in a string), after a line
    refused for a trailing comma, is checked in full (no diagnostic, as it deserves), and
    the lines after it are decoded again: such lines cost one full check, not one each."""
    bad = [(_DELETE % (n, ",") + "\n").encode() for n in range(250)]
    odd = [
        b'{"operation":"DELETE","compartment_id":"1000","user_account_id":"a%d,}"}\n' % n
        for n in range(20)
    ]
    asked = _decodes_counted(monkeypatch)
    found = list(lint_lines([*bad, *odd], "f.ndjson"))
    slow = list(lint_lines([*bad, *odd], "f.ndjson", Settings(fast_path=False)))
    assert found == slow
    assert [d.line for d in found] == list(range(1, 251))
    # The first bad line the fast path sees is decoded; of the odd ones, all but the first.
    assert len(asked) == 1 + len(odd) - 1


def test_the_watch_for_split_records_tells_a_comma_line_cheaply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Until a line parses alone, each line is watched (splitrecords.Splitter._watch): a
    line that ends in what no JSON text ends with is told so without its line end split
    off or orjson asked, as parses_alone would tell it; but a line that ends with a comma,
    which may be a pasted array's item (an object and its comma: parses_alone takes it)."""
    split = mock.Mock(side_effect=framer.split_ending)
    monkeypatch.setattr(splitrecords.framer, "split_ending", split)
    splitter = splitrecords.Splitter(1 << 20)
    for n in range(5):
        splitter._watch((_DELETE % (n, ",") + "\n").encode())
        splitter._watch((_DELETE % (n, "") + "},\n").encode())
    assert not splitter.active
    # The first line, which decides whether the file is a document, and the five `}},`.
    assert split.call_count == 1 + 5
    splitter._watch((_DELETE % (9, "") + "\n").encode())
    assert splitter.active


def test_comma_lines_stay_in_groups_of_many_once_split_records_are_looked_for() -> None:
    """A pasted array's items (`{...},` a line) make the splitter look for split records
    (each parses with its comma): a comma line followed by a line that opens a record
    begins none, so it ends no group. Cut at each, a file of 100,000 such lines cost 20%
    more a line (bench/instructions.py, allbad-invalid-json: 97k instructions, 117k)."""
    splitter = splitrecords.Splitter(1 << 20)
    lines = [(_DELETE % (n, "") + ",\n").encode() for n in range(1000)]
    groups = list(splitter.line_groups(lines))
    assert splitter.active
    assert [line for group in groups for line in group] == lines
    assert len(groups) <= 1000 // splitrecords.GROUP_LINES + 3
    # A record split after a comma line is still found.
    record = [b'{"operation":"DELETE",\n', b'"compartment_id":"1","user_account_id":"x"}\n']
    for before in (1, 63, 64, 65, 127):  # its first line last of a group, or not
        splitter = splitrecords.Splitter(1 << 20)
        found = list(splitter.line_groups([*lines[:before], *record, *lines[:70]]))
        assert record in found
        assert [s.first for s in splitter.spans] == [before + 1]


def test_a_run_of_commas_spares_the_groups_their_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group of lines is screened (`<`, backslashes, long integers, UTF-8) for the fast
    checks, which a run of lines with a comma at the end never reaches: from the group after
    the first such line, none is screened. A valid line among them still is (its group,
    once), and the run starts again after it."""
    screened: list[int] = []
    screen = fastloop.FastLoop._plain

    def counting(self: fastloop.FastLoop, block: bytes) -> bool:
        screened.append(block.count(b"\n"))
        return screen(self, block)

    monkeypatch.setattr(fastloop.FastLoop, "_plain", counting)
    bad = [(_DELETE % (n, ",") + "\n").encode() for n in range(1000)]
    good = (_DELETE % (1000, "") + "\n").encode()
    found = list(lint_lines([*bad, good, *bad], "f.ndjson"))
    assert [d.line for d in found] == [*range(1, 1001), *range(1002, 2002)]
    # The group where the run starts; the valid line's, which ends it (a group whose first
    # and last lines are both like a run's is not screened); the next, where it starts again.
    assert len(screened) == 3, screened


_GROUP_LINES = st.sampled_from(
    [b'{"a":1}\n', b'{"a":1},\n', b'{"a":\n', b'"b":2}\n', b"1,\n", b'{"a":1},\r\n', b"}\n"]
)


@settings(max_examples=300, deadline=None)
@given(group=st.lists(_GROUP_LINES, min_size=1, max_size=12), more=st.booleans())
def test_a_group_told_whole_is_one_that_records_gives_back_whole(
    group: list[bytes], more: bool
) -> None:
    """`_whole_records` (the last two bytes of each line: a `}`, or a comma before a line
    that opens a record) tells only groups that `_records`, which looks at each line, gives
    out whole: no split record begun, no line given back to the next group."""
    if not splitrecords._whole_records(group):
        return
    splitter = splitrecords.Splitter(1 << 20, active=True)
    parts = list(splitter._records(group, iter([b'"c":3}\n']), 1, more))
    assert parts == [group]
    assert not splitter.spans
    assert splitter._back is None


def test_a_comma_line_before_a_record_keeps_its_group_whole() -> None:
    """A lone `},` line among records (a bad line of an export) leaves its group to the
    two-byte test: `_records` took such a group a line at a time."""
    lines = [(_DELETE % (n, "") + "\n").encode() for n in range(10)]
    comma = (_DELETE % (99, "") + ",\n").encode()
    assert splitrecords._whole_records([*lines[:5], comma, *lines[5:]])
    assert not splitrecords._whole_records([*lines, comma])  # its next line is unread
    assert not splitrecords._whole_records([*lines[:5], comma, b'"a":1}\n', *lines[5:]])
    assert not splitrecords._whole_records([*lines[:5], comma.replace(b"\n", b"\r\n"), *lines])
