"""Every rule's explanation is checked like code: its Example fires the rule, and its
"Use instead" is clean. Plus the registry's own invariants and the public catalogue.

Framing examples show invisible bytes with a notation, turned into bytes here:
`<BOM>` is EF BB BF, `<CR>` a carriage return (before the line feed), `<0xE9>` one raw byte,
and a block whose last line ends with `<no final newline>` has no final line feed. An
explanation that says "With `max-file-size = N`" is linted with that limit (MIC006).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mics_lint import Settings, Severity
from mics_lint.config import Selection
from mics_lint.doctypes import find
from mics_lint.registry import CODE_RE, NAME_RE
from mics_lint.rules import FAMILIES, REGISTRY

CODES = list(REGISTRY)
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
_BYTE = re.compile(rb"<0x([0-9A-Fa-f]{2})>")
_MAX_SIZE = re.compile(r"`max-file-size = (\d+)`")
_MAX_LINE = re.compile(r"`max-line-bytes = (\d+)`")
_DOC_TYPE = re.compile(r"With `--doc-type ([a-z-]+)`")
_PROFILE_FORM = re.compile(r"With `--profile-form ([a-z_]+)`")
_DATAMART = re.compile(r"With\s+`--datamart-schema\s+([\w./-]+)`")
_ROOT = Path(__file__).resolve().parents[1]
_UTF16 = "<UTF-16>"
_NO_FINAL_NEWLINE = "<no final newline>"

# The catalogue of issue 2: codes, names and default severities are a public contract.
CATALOGUE = {
    "MIC001": ("invalid-utf8", "error"),
    "MIC002": ("byte-order-mark", "error"),
    "MIC003": ("crlf-line-endings", "warning"),
    "MIC004": ("blank-line", "warning"),
    "MIC005": ("missing-final-newline", "warning"),
    "MIC006": ("file-too-large", "warning"),
    "MIC007": ("not-ndjson", "error"),
    "MIC008": ("empty-file", "warning"),
    "MIC101": ("invalid-json", "error"),
    "MIC102": ("not-an-object", "error"),
    "MIC103": ("duplicate-key", "error"),
    "MIC104": ("unsafe-integer", "warning"),
    "MIC105": ("table-in-one-object", "error"),
    "MIC106": ("command-in-envelope", "error"),
    "MIC201": ("missing-field", "error"),
    "MIC202": ("wrong-type", "error"),
    "MIC203": ("invalid-value", "error"),
    "MIC204": ("unknown-field", "error"),
    "MIC205": ("empty-value", "error"),
    "MIC206": ("placeholder-value", "error"),
    "MIC301": ("missing-identifier", "error"),
    "MIC302": ("multiple-identifiers", "error"),
    "MIC303": ("compartment-without-account", "error"),
    "MIC304": ("account-without-compartment", "warning"),
    "MIC305": ("clear-text-email", "error"),
    "MIC306": ("malformed-user-agent-id", "warning"),
    "MIC307": ("identifier-whitespace", "warning"),  # issue 14
    "MIC308": ("compartment-id-not-digits", "warning"),  # issue 16
    "MIC309": ("identifier-placeholder", "error"),  # an advice-following review
    "MIC310": ("identifier-missing-value", "error"),  # an advice-following review
    "MIC311": ("identifier-quoted", "warning"),  # a review of hand-edited files
    "MIC401": ("upsert-missing-force-replace", "error"),
    "MIC402": ("upsert-missing-user-profile", "error"),
    "MIC403": ("merge-objects-ignored", "warning"),
    "MIC404": ("delete-with-payload", "warning"),
    "MIC405": ("replace-with-empty-profile", "warning"),
    "MIC406": ("mixed-profile-forms", "error"),
    "MIC407": ("minority-profile-form", "warning"),  # issue 16
    "MIC501": ("duplicate-user", "warning"),
    # Activities.
    "MIC601": ("ts-in-seconds", "error"),
    "MIC602": ("ts-in-future", "error"),
    "MIC603": ("event-without-name", "error"),
    "MIC604": ("identifier-fields", "error"),
    "MIC605": ("identifiers-root-and-listed", "error"),
    "MIC009": ("utf16-file", "error"),
    "MIC010": ("line-too-long", "error"),
    # Issue 7: other document types.
    "MIC207": ("other-document-type", "error"),
    # Issue 18: against the customer's datamart schema.
    "MIC251": ("datamart-null-field", "error"),
    "MIC252": ("datamart-timestamp-date", "error"),
    "MIC253": ("datamart-wrong-type", "warning"),
    "MIC254": ("datamart-number-for-string", "warning"),
    "MIC255": ("datamart-undeclared-key", "warning"),
    "MIC256": ("datamart-near-miss-key", "warning"),
    "MIC257": ("datamart-timestamp-in-seconds", "warning"),
    "MIC701": ("data-bag-not-string", "error"),
    "MIC702": ("data-bag-not-json", "error"),
    "MIC703": ("missing-segment", "warning"),
    "MIC704": ("update-missing-expiration", "error"),
    "MIC705": ("segment-named-twice", "warning"),
    "MIC706": ("expiration-ts-in-seconds", "error"),  # issue 16
    "MIC801": ("choice-upsert-missing-force-replace", "error"),
    "MIC802": ("choice-upsert-missing-user-choice", "error"),
    "MIC803": ("missing-processing-id", "error"),
    "MIC804": ("upsert-missing-choice-ts", "error"),
    "MIC805": ("choice-ts-in-seconds", "error"),  # issue 16
    "MIC901": ("deletion-missing-field", "error"),
    "MIC902": ("deletion-field-of-another-type", "error"),
    "MIC903": ("email-hash-key", "error"),
    "MIC904": ("device-point-in-identifiers-deletion", "error"),
    "MIC905": ("user-point-id-not-uuid", "error"),
    "MIC906": ("association-single-identifier", "warning"),
    "MIC907": ("association-repeated-identifier", "warning"),  # issue 16
    "MIC908": ("association-missing-wrapper", "error"),  # issue 16
}


def block_bytes(block: str) -> bytes:
    """The file an example block stands for, with the notation turned into real bytes."""
    final_newline = True
    body = block.rstrip("\n")
    if body.endswith(_NO_FINAL_NEWLINE):
        body = body[: -len(_NO_FINAL_NEWLINE)]
        final_newline = False
    text = body + "\n" if final_newline and body else body
    if text.startswith(_UTF16):
        return text.removeprefix(_UTF16).encode("utf-16")  # with its byte-order mark
    data = text.encode("utf-8")
    data = data.replace(b"<BOM>", b"\xef\xbb\xbf").replace(b"<CR>", b"\r")
    return _BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def settings_for(code: str) -> Settings:
    explanation = REGISTRY[code].explanation
    if match := _MAX_SIZE.search(explanation):
        return Settings(max_file_size=int(match.group(1)))
    if match := _MAX_LINE.search(explanation):
        return Settings(max_line_bytes=int(match.group(1)))
    if match := _DOC_TYPE.search(explanation):
        found = find(match.group(1))
        assert found is not None, code
        return Settings(doc_type=found.name)
    if match := _PROFILE_FORM.search(explanation):
        return Settings(profile_form=match.group(1))
    if match := _DATAMART.search(explanation):
        # With the rule selected: some are off by default (MIC254, MIC255).
        return Settings(
            datamart_schemas=(("*", str(_ROOT / match.group(1))),),
            selections=(Selection(extend_select=(code,)),),
        )
    return Settings()


def _has_block_after(text: str, heading: str) -> bool:
    start = text.find(heading)
    return start >= 0 and re.search(r"```[a-z]*\n.*?```", text[start:], re.DOTALL) is not None


# -- the notation ----------------------------------------------------------------------------


def test_notation_becomes_bytes() -> None:
    assert block_bytes('<BOM>{"a":1}\n') == b'\xef\xbb\xbf{"a":1}\n'
    assert block_bytes('{"a":1}<CR>\n{"b":2}<CR>\n') == b'{"a":1}\r\n{"b":2}\r\n'
    assert block_bytes('{"a":"Ren<0xE9>"}\n') == b'{"a":"Ren\xe9"}\n'
    assert block_bytes('{"a":1}\n{"b":2}<no final newline>\n') == b'{"a":1}\n{"b":2}'
    assert block_bytes("") == b""
    assert block_bytes('{"a":1}') == b'{"a":1}\n'
    assert block_bytes('<UTF-16>{"a":1}\n') == '{"a":1}\n'.encode("utf-16")


def test_only_mic006_mic010_mic406_activities_and_deletions_need_other_settings() -> None:
    assert settings_for("MIC006").max_file_size == 64
    assert settings_for("MIC010").max_line_bytes == 60
    assert settings_for("MIC905").doc_type == "USER_POINTS_DELETION"
    assert settings_for("MIC601").doc_type == "USER_ACTIVITY"
    assert settings_for("MIC406").profile_form == "either"  # it fires under `either` only
    # The deletion types share their keys: their examples say which type they are; so do
    # the activity rules', though detection would tell.
    activities = [c for c in CODES if c.startswith("MIC6")]
    # MIC906 and MIC907 too: a line with "identifiers" is told an association.
    deletions = [c for c in CODES if c.startswith("MIC9") and c not in ("MIC906", "MIC907")]
    datamart = [c for c in CODES if c.startswith("MIC25")]  # a schema for their examples
    assert [c for c in CODES if settings_for(c) != Settings()] == [
        "MIC006",
        "MIC010",
        *datamart,
        "MIC406",
        *activities,
        *deletions,
    ]


# -- each rule's explanation -----------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_explanation_has_the_sections(code: str) -> None:
    text = REGISTRY[code].explanation
    positions = [text.find(h) for h in HEADINGS]
    assert all(p >= 0 for p in positions), f"{code} lacks {HEADINGS}: {positions}"
    assert positions == sorted(positions), f"{code}: sections out of order"
    assert _has_block_after(text, "## Example"), f"{code}: no code block under ## Example"
    assert _has_block_after(text, "Use instead:"), f"{code}: no code block under Use instead:"


@pytest.mark.parametrize("code", CODES)
def test_example_reports_the_rule(code: str, linting) -> None:
    data = block_bytes(REGISTRY[code].example)
    found = linting.bytes(data, settings_for(code))
    assert code in linting.codes(found), f"{code} example {data!r} gave:\n{linting.render(found)}"


@pytest.mark.parametrize("code", CODES)
def test_use_instead_is_clean(code: str, linting) -> None:
    data = block_bytes(REGISTRY[code].use_instead)
    assert data, f"{code}: empty Use instead block"
    found = linting.bytes(data, settings_for(code))
    assert found == [], f"{code} 'Use instead' {data!r} gave:\n{linting.render(found)}"


# -- the registry ----------------------------------------------------------------------------


def test_catalogue_matches_the_issue() -> None:
    actual = {code: (rule.name, str(rule.severity)) for code, rule in REGISTRY.items()}
    assert actual == CATALOGUE


def test_codes_are_unique_and_well_formed() -> None:
    codes = [rule.code for family in FAMILIES for rule in family.rules]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"MIC\d{3}", c) for c in codes), codes
    assert all(CODE_RE.match(c) for c in codes)
    assert codes == sorted(codes), "families and rules are declared in code order"


def test_names_are_unique_kebab_case() -> None:
    names = [rule.name for family in FAMILIES for rule in family.rules]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert NAME_RE.match(name), name


def test_every_rule_is_in_its_family() -> None:
    prefixes = [family.prefix for family in FAMILIES]
    assert len(prefixes) == len(set(prefixes))
    for family in FAMILIES:
        # One digit; two for a family inside another's hundred (MIC25x: the datamart).
        assert re.fullmatch(r"MIC\d\d?", family.prefix), family.prefix
        assert family.rules, f"family {family.prefix} is empty"
        for rule in family.rules:
            assert rule.code.startswith(family.prefix), (family.prefix, rule.code)
            assert REGISTRY[rule.code] is rule


@pytest.mark.parametrize("code", CODES)
def test_rule_metadata(code: str) -> None:
    rule = REGISTRY[code]
    assert isinstance(rule.severity, Severity)
    assert rule.summary and "\n" not in rule.summary
    assert REGISTRY.lookup(rule.code.lower()) is rule
    assert REGISTRY.lookup(rule.name) is rule


# -- fixes -----------------------------------------------------------------------------------

# Fixable rules whose example is not all fixable: what --fix leaves, and why (the rule's
# "## Fix" section says so too).
_FIX_LEAVES = {
    "MIC204": "custom data next to user_profile: only a person knows where it goes",
}


@pytest.mark.parametrize("code", [c for c in CODES if REGISTRY[c].fix])
def test_fix_turns_the_example_into_use_instead(code: str) -> None:
    import io

    from mics_lint.fix import StreamSink, fix_stream

    rule = REGISTRY[code]
    out = io.BytesIO()
    example = block_bytes(rule.example)
    result = fix_stream(
        io.BytesIO(example), StreamSink(out), settings_for(code), "f.ndjson", unsafe=True
    )
    if code in _FIX_LEAVES:
        assert out.getvalue() != block_bytes(rule.use_instead)
        return
    assert out.getvalue() == block_bytes(rule.use_instead)
    assert result.fixed[code] >= 1
