"""A line whose only fault is a mistake an export repeats on every line (no identifier,
MIC301; an UPSERT without its form, MIC401; an account without its compartment, MIC304) is
answered on the fast path by that one rule
(the third verdict of registry.FastCheck), with the diagnostics the full checks give it."""

from __future__ import annotations

import pytest
from test_fastpath import (
    assert_same_both_ways,
    fast_threshold,
    lint_counting_full_checks,
    padding,
)

from mics_lint import Settings
from mics_lint.config import Selection

NO_ID = [
    b'{"operation":"UPSERT","force_replace":true,"user_profile":{"n":%d}}\n',
    b'{"operation":"DELETE"}\n',
    b'{"operation":"UPSERT","update_strategy":"PARTIAL_UPDATE","user_profile":{"n":%d}}\n',
    b'{"operation":"UPSERT","force_replace":false,"merge_objects":true,"user_profile":{"n":%d}}\n',
]
NO_FORM = [
    b'{"operation":"UPSERT","email_hash":"e%d","user_profile":{"n":1}}\n',
    b'{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d","user_profile":{}}\n',
    b'{"operation":"UPSERT","user_agent_id":"vec:%d","merge_objects":true,"user_profile":{}}\n',
]
NO_COMPARTMENT = [
    b'{"operation":"UPSERT","user_account_id":"CRM-%d","force_replace":true,"user_profile":{}}\n',
    b'{"operation":"DELETE","user_account_id":"CRM-%d"}\n',
    b'{"user_profile":{"a":%d},"operation":"UPSERT","force_replace":false,"user_account_id":"x"}\n',
    b'{"operation":"UPSERT","user_account_id":"C%d","update_strategy":"PARTIAL_UPDATE",'
    b'"user_profile":{"n":1}}\n',
]
# Lines where the mistake comes with another fault, or with what only the full checks read.
MIXED = [
    b'{"operation":"UPSERT","user_account_id":"CRM-1","user_profile":{}}\n',  # MIC304, MIC401
    b'{"operation":"DELETE","user_account_id":" CRM-1"}\n',  # MIC307 too
    b'{"operation":"DELETE","user_account_id":""}\n',  # MIC205 too
    b'{"operation":"DELETE","user_account_id":"CRM-1","email_hash":"e1"}\n',  # MIC302
    b'{"operation":"DELETE","user_account_id":"CRM-1","compartment":"1000"}\n',  # a typo
    b'{"operation":"DELETE","user_account_id":"CRM-1","compartment_id":""}\n',
    # the account's key written in the profile first, or with an escape
    b'{"operation":"UPSERT","force_replace":true,"user_profile":{"user_account_id":1},'
    b'"user_account_id":"CRM-2"}\n',
    b'{"operation":"UPSERT","force_replace":true,"user_profile":{"\\"user_account_id":1},'
    b'"user_account_id":"CRM-2"}\n',
    b'{"operation":"DELETE","user\\u005faccount_id":"CRM-3"}\n',
    b'{"operation":"DELETE","user_account_id":"CRM-3","user_account_id":"CRM-4"}\n',
    b'{"operation": "DELETE", "user_account_id": "CRM-1"}\n',
    b'{"operation":"UPSERT","user_profile":{"n":1}}\n',  # both mistakes
    b'{"operation":"DELETE","operation":"DELETE"}\n',  # a key twice
    b'{"operation": "DELETE"}\n',  # not compact: the keys are counted
    b'{"operation":"DELETE","force_replace":true}\n',  # MIC404 too
    b'{"operation":"UPSERT","email_hash":"a@b.c","user_profile":{}}\n',  # MIC305 too
    b'{"operation":"UPSERT","email_hash":"<EMAIL_HASH>","user_profile":{}}\n',  # MIC303
    b'{"operation":"UPSERT","email_hash":" e1","user_profile":{}}\n',  # MIC307
    b'{"operation":"UPSERT","update_strategy":"FORCE_REPLACE","user_profile":[]}\n',
    b'{"operation":"UPSERT","force_replace":true,"user_profile":{ }}\n',  # MIC405 too
    b'{"operation":"UPSERT","email_hash":"e2","user_profile":{"x":"\\u00e9"}}\n',
    b'{"operation":"DELETE"}\r\n',
    b'{"operation":"UPSERT","email_hash":"e3","user_profile":{"n":12345678901234567890}}\n',
]
CONFIGS = [
    Settings(),
    Settings(show_values=True),
    Settings(selections=(Selection(ignore=("MIC301",)),)),
    Settings(selections=(Selection(ignore=("MIC401",)),)),
    Settings(selections=(Selection(ignore=("MIC304",)),)),
    Settings(selections=(Selection(ignore=("MIC501",)),)),
    Settings(selections=(Selection(select=("MIC3",)),)),
    Settings(profile_form="force_replace"),
    Settings(profile_form="update_strategy"),
    Settings(profile_form="either"),
]


def fill(line: bytes, i: int) -> bytes:
    return line % i if b"%d" in line else line


def mistakes(count: int) -> list[bytes]:
    """Runs of each mistake, users repeating (MIC501), other faults in between."""
    body = []
    for i in range(count):
        body.append(fill(NO_ID[i % len(NO_ID)], i))
        body.append(fill(NO_FORM[i % len(NO_FORM)], i % 7))
        body.append(fill(NO_COMPARTMENT[i % len(NO_COMPARTMENT)], i % 11))
        if i % 3 == 0:
            body.append(MIXED[i % len(MIXED)])
    return body


@pytest.mark.parametrize("config", CONFIGS)
def test_the_one_rule_gives_what_the_full_checks_give(config: Settings) -> None:
    counts = assert_same_both_ways([*padding(), *mistakes(60)], config)
    if config == Settings():
        assert counts["one rule"] >= 100


def test_a_file_in_the_newer_form() -> None:
    """Under profile-form "auto", MIC401's message names the file's own form first."""
    first = b'{"operation":"UPSERT","update_strategy":"PARTIAL_UPDATE","email_hash":"x",'
    first += b'"user_profile":{}}\n'
    assert_same_both_ways([first, *padding(), *mistakes(30)])


@pytest.mark.parametrize("line", [NO_ID[0], NO_FORM[0], NO_COMPARTMENT[1]])
def test_a_systematic_mistake_skips_the_full_checks(line: bytes) -> None:
    """A file whose every line has the mistake: past the first lines, no line goes through
    the full checks, and each still gets its diagnostic."""
    lines = [fill(line, i % 500) for i in range(1000)]
    found, full_checks, counts = lint_counting_full_checks(lines)
    assert full_checks <= fast_threshold() + 1
    assert counts["one rule"] >= 1000 - fast_threshold() - 1
    codes = [d.code for d in found]
    # 500 users, each on two lines: MIC501 at each second line (no user: none)
    assert codes.count("MIC501") == (0 if line is NO_ID[0] else 500)
    assert len(codes) - codes.count("MIC501") == 1000
    assert_same_both_ways(lines)
