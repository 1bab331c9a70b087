"""A line whose one fault is an integer id (`"compartment_id":1000` on every line of an
export) is told from the first line of that key and value (loosepath.LoosePath._told,
templates.py), with what the full checks give it: message, place, source and fix mark."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from test_fastpath import PATH, assert_same_both_ways, padding

from mics_lint import Settings, lint_lines, templates
from mics_lint.config import Selection

UPSERT = b'{"operation":"UPSERT","compartment_id":%s,"user_account_id":"CRM-%d","force_replace":%s,"user_profile":%s}\n'  # noqa: E501


def wrong(value: bytes, i: int, profile: bytes = b'{"n":1}', force: bytes = b"true") -> bytes:
    return UPSERT % (value, i, force, profile)


def export(count: int) -> list[bytes]:
    """Runs of the same few integer compartments, then lines each template must not take:
    a profile with the key inside (written twice), spaces before the colon, a profile
    nested past the fixer's shallow limit, a backslash, CRLF, a zero and a negative id, a
    float, a different column (DELETE), a clean line and a record split over two lines."""
    deep = b'{"a":' + b"[" * 70 + b"]" * 70 + b"}"
    deeper = b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}"  # too deep for the json module
    lines = []
    for i in range(count):
        value = b"%d" % (1000 + i % 3)
        kind = i % 17
        if kind == 3:  # the key written twice: once inside the profile, first or last
            profile = b'{"compartment_id":1}'
            lines.append(wrong(value, i, profile))
            lines.append(b'{"user_profile":%s,%s' % (profile, wrong(value, i)[1:]))
        elif kind == 5:
            lines.append(wrong(value, i).replace(b'"compartment_id":', b'"compartment_id" :'))
        elif kind == 7:
            lines.append(wrong(value, i, deep if i % 2 else deeper))
        elif kind == 8:
            lines.append(wrong(value, i, b'{"s":"a\\\\b"}'))
        elif kind == 9:
            lines.append(wrong(value, i).replace(b"\n", b"\r\n"))
        elif kind == 10:
            lines += [wrong(b"0", i), wrong(b"-0", i), wrong(b"-4", i)]
        elif kind == 11:
            lines.append(wrong(b"1000.0", i))
        elif kind == 12:
            lines.append(
                b'{"operation":"DELETE","compartment_id":%s,"user_account_id":"u"}\n' % value
            )
        elif kind == 13:
            lines.append(wrong(b'"1000"', i))
        elif kind == 14:
            lines += [
                b'{"operation":"DELETE","compartment_id":1000,\n',
                b'"user_account_id":"x"}\n',
            ]
        else:
            lines.append(wrong(value, i, force=b"false" if i % 4 else b"true"))
    return [*padding(), *lines]


@pytest.mark.parametrize(
    "config",
    [
        Settings(),
        Settings(show_values=True),
        Settings(selections=(Selection(ignore=("MIC202",)),)),
        Settings(selections=(Selection(ignore=("MIC003", "MIC104")),)),
        Settings(selections=(Selection(extend_select=("MIC204",), ignore=("MIC101",)),)),
    ],
)
def test_integer_ids_told_by_their_key_and_value_give_what_the_full_checks_give(
    config: Settings,
) -> None:
    assert_same_both_ways(export(400), config)


def test_an_export_of_integer_ids_is_stamped_from_templates() -> None:
    """Past the first line of each value, the lines are told from its template; the
    diagnostics keep their own line, source and the value's message."""
    lines = [*padding(), *(wrong(b"%d" % (1000 + i % 3), i) for i in range(300))]
    real = templates.stamped
    with mock.patch("mics_lint.loosepath.stamped", side_effect=real) as told:
        found = list(lint_lines(lines, PATH, Settings()))
    assert told.call_count >= 290
    last = found[-1]
    assert (last.line, last.column, last.code, last.fix) == (len(lines), 23, "MIC202", "safe")
    assert last.source is not None and last.source.endswith(
        '"CRM-299","force_replace":true,"user_profile":{"n":1}}'
    )
    assert last.message.endswith('write it in quotes, "1002"')


def test_a_template_is_of_its_value() -> None:
    """Two values of one key: each line's message names its own."""
    lines = [*padding(), *(wrong(b"%d" % v, 0) for v in [7, 8] * 20)]
    found: list[Any] = list(lint_lines(lines, PATH, Settings()))
    assert [d.message[-3:] for d in found[-4:]] == ['"7"', '"8"', '"7"', '"8"']
