"""Edge cases found by the property tests, each pinned by name."""

from __future__ import annotations

import pytest

from mics_lint import Settings, lint_lines


def codes(line: bytes) -> list[str]:
    return [d.code for d in lint_lines([line + b"\n"], "f.ndjson", Settings())]


def test_duplicate_key_written_with_the_same_escape_twice() -> None:
    line = rb'{"oper\u0061tion":"DELETE","oper\u0061tion":"DELETE","email_hash":"x1"}'
    assert "MIC103" in codes(line)


def test_placeholder_with_an_escaped_angle_bracket() -> None:
    assert "MIC206" in codes(rb'{"operation":"DELETE","user_agent_id":"\u003cUSER_AGENT_ID>"}')


def test_user_agent_id_with_a_trailing_newline_is_whitespace_not_a_missing_prefix() -> None:
    # Its prefix is there: the fault is the newline around it (MIC307), not MIC306's.
    found = codes(rb'{"operation":"DELETE","user_agent_id":"vec:1\n"}')
    assert "MIC307" in found
    assert "MIC306" not in found
    assert "MIC306" in codes(rb'{"operation":"DELETE","user_agent_id":"1\n"}')


@pytest.mark.parametrize("digits", [4299, 4301, 10_000])
def test_integers_with_thousands_of_digits_are_valid_json_but_unsafe(digits: int) -> None:
    line = b'{"operation":"DELETE","email_hash":"h","user_profile":{"n":' + b"9" * digits + b"}}"
    found = codes(line)
    assert "MIC101" not in found
    assert "MIC104" in found


# -- where a nested field is named ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (("identifiers", 0, "hash"), '"hash"'),
        (("identifiers", 1, "hash"), '"hash"'),  # the last occurrence, whose value counts
        (("identifiers", 1), "{"),
        (("a", "b", "c", 1, "d"), '"d"'),
        (("a", "b", "c", 0), "1"),  # a number in an array: its first character
        (("a", "x"), None),
        (("identifiers",), '"identifiers"'),
        (("s",), '"s"'),
        (("a", "q"), None),  # "q" is a string value there, not a key
    ],
)
def test_nested_spans_find_nested_keys_and_elements(
    path: tuple[str | int, ...], found: str | None
) -> None:
    from mics_lint.jsontext import nested_spans
    from mics_lint.spans import NestedSpans

    text = (
        '{"identifiers":[{"type":"USER_EMAIL","hash":"x"},{"hash":1,"hash":2}],'
        '"s":"a\\"b","a":{"z":"q","b":{"c":[1,{"d":2}]}}}'
    )
    span = NestedSpans(*nested_spans(text)).get(path)
    assert (text[span[0] : span[1]] if span else None) == found
    if path == ("identifiers", 1, "hash"):
        assert span is not None and span[0] > text.index('"hash":1')


def test_a_line_with_many_nested_problems_is_tokenized_once() -> None:
    # Each of 500 events has a $ts in seconds (MIC601): the nested keys are found in one
    # pass over the line, not one pass per diagnostic (which made such lines quadratic).
    from unittest import mock

    from mics_lint import jsontext, registry

    events = ",".join(
        f'{{"$event_name":"e{i}","$ts":1700000000,"$properties":{{}}}}' for i in range(500)
    )
    line = (
        '{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
        f'"$ts":1700000000000,"$events":[{events}]}}\n'
    )
    with mock.patch.object(registry, "nested_spans", wraps=jsontext.nested_spans) as spans:
        found = list(lint_lines([line.encode()], "a.ndjson", Settings(doc_type="USER_ACTIVITY")))
    assert [d.code for d in found] == ["MIC601"] * 500
    assert spans.call_count == 1
    assert len({d.column for d in found}) == 500  # each at its own event's "$ts"


def test_an_unsafe_integer_is_named_by_its_nested_path() -> None:
    line = (
        b'{"operation":"UPSERT","email_hash":"h","force_replace":true,'
        b'"user_profile":{"a":{"b":[1,123456789012345678901]},"c":123456789012345678901}}\n'
    )
    found = list(lint_lines([line], "p.ndjson"))
    assert [(d.code, d.column) for d in found] == [("MIC104", 89), ("MIC104", 113)]
    assert "in user_profile.a.b[1] " in found[0].message
    assert "in user_profile.c " in found[1].message


def test_a_very_deep_path_is_cut_in_messages() -> None:
    from mics_lint.jsontext import path_text

    assert path_text(("$events", 0, "$ts")) == "$events[0].$ts"
    deep = path_text(("user_profile", *["a"] * 500))
    assert len(deep) == 80 and deep.startswith("user_profile.a.a") and "…" in deep


def test_a_key_written_with_escapes_is_not_found_in_the_profile() -> None:
    """The top-level compartment_id written with escapes, and a plain one inside
    user_profile: the diagnostic points at the top-level key and quotes its own value."""
    line = (
        b'{"user_profile":{"compartment_id":5},"operation":"UPSERT",'
        b'"compartment\\u005fid":77,"user_account_id":"a","force_replace":false}\n'
    )
    found = list(lint_lines([line], "p.ndjson"))
    assert [(d.code, d.column) for d in found] == [("MIC202", 59)]
    assert found[0].message.endswith('write it in quotes, "77"')


def test_a_line_over_max_line_bytes_never_starts_the_split_record_watch() -> None:
    """Found by the fuzz: first lines over max-line-bytes, then a record split over two
    lines. lint_file's reader cuts the long lines and lint_lines gets them whole; neither
    may count them as lines that parse alone, or one joins the record and the other not."""
    import io

    from mics_lint.linter import lint_stream

    data = (
        b'\xef\xbb\xbf{"compartment_id":"1000","operation":"DELETE","user_account_id":"CRM-1"}'
        b'\r\n{"email_hash":"3f2a9c","force_replace":false,"operation":"UPSERT",'
        b'"user_profile":{"tier":"gold"}}\r\n{\n"operation":"DELETE","user_agent_id":"vec:1"}\r'
    )
    config = Settings(max_line_bytes=64)
    streamed = [d.to_dict() for d in lint_stream(io.BytesIO(data), "f", config)]
    lines = [d.to_dict() for d in lint_lines(data.splitlines(keepends=True), "f", config)]
    assert streamed == lines
    # The CR ending the last line is the file's first line end `--fix` mends (MIC003).
    assert [d["code"] for d in lines] == ["MIC010", "MIC010", "MIC101", "MIC003", "MIC101"]


def test_a_key_with_a_control_character_is_escaped_in_a_path() -> None:
    """Found by the fuzz: a key "\\r" in a path (MIC104's) ended the message's line."""
    line = b'{"email_hash":"e","force_replace":false,"operation":"UPSERT",'
    line += b'"user_profile":{"\\r":9223372036854775808}}\n'
    found = [d for d in lint_lines([line], "p.ndjson") if d.code == "MIC104"]
    assert [d.message.split(" is ")[0] for d in found] == [
        "integer of 19 digits in user_profile.\\r"
    ]


def test_nested_spans_of_a_deep_value_name_each_value_once() -> None:
    """A value nested 1,000 deep: one entry a value, keyed by its container, not its whole
    path (every value's path made again: 2.5 GB for an activity line of 1.2 MB)."""
    from mics_lint.jsontext import nested_spans
    from mics_lint.spans import NestedSpans

    text = '{"a":' + "[" * 1000 + "1" + "]" * 1000 + "}"
    spans, kids = nested_spans(text)
    assert len(spans) == 1001 and len(kids) == 1000
    assert all(len(key) == 2 for key in spans)
    one = text.index("1")
    assert NestedSpans(spans, kids).get(("a", *[0] * 1000)) == (one, one + 1)


def test_nested_spans_asked_in_any_order_answer_as_a_fresh_walk() -> None:
    """NestedSpans keeps the containers of the last path asked (a line's findings come in
    the order of their values); each answer must still be a fresh walk's, whatever came
    before: deeper, shallower, a sibling, another branch, a path that is not there."""
    import json
    import random

    from mics_lint.jsontext import nested_spans
    from mics_lint.spans import NestedSpans

    record = {"a": [{"b": [1, {"c": 2, "d": [3, [4]]}], "e": {"f": 5}}, 6], "g": {"h": {"i": 7}}}
    deep: object = 8
    for n in range(300):
        deep = {"k": deep, "x": n} if n % 2 else [n, deep]
    record["z"] = deep
    text = json.dumps(record)
    paths: list[tuple[str | int, ...]] = []

    def walk(value: object, path: tuple[str | int, ...]) -> None:
        paths.append(path)
        items = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, item in items:
            walk(item, (*path, key))

    walk(record, ())
    paths += [(*p, "nope") for p in paths[::7]] + [("nope", 0), ("a", 9, "b")]
    tables = nested_spans(text)
    kept = NestedSpans(*tables)
    rng = random.Random(14)
    for path in [*paths, *rng.choices(paths, k=3000)]:
        assert kept.get(path) == NestedSpans(*tables).get(path), path
