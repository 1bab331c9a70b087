"""A file's type told from its first bytes and its name, where neither --doc-type nor a
[tool.mics-lint.doc-types] glob names it (`Settings.doc_type_for`): its first records'
keys vote (`detect`); a file none of whose first lines is JSON votes by its lines'
keys, or by its CSV header; a tie between types whose records look alike is broken by the
file's name, or said (DocTypeError). A file named for one type its records fit is that
type, whatever the votes (`_named_fitting`)."""

from __future__ import annotations

import functools

from mics_lint.doctypes import (
    ALIASES,
    DEFAULT_DOC_TYPE,
    DETECT_RECORDS,
    DOC_TYPES,
    NAMES,
    DocType,
    DocTypeError,
    find,
    first_records,
)


def told(path: str, head: bytes) -> DocType:
    """The type of `path` from its name and `head` (its first bytes). Raises DocTypeError
    when they do not tell for sure."""
    from mics_lint.rules.envelopes import commands_in  # loaded with the rules

    records = first_records(head)
    commands = commands_in(records) if records else []
    votes = [vote(record) for record in commands]  # each record's, once
    found = _leaders(votes) if records else detect(_keys_of_lines(head))
    named = _named_types(path) if records else []
    fitting = _named_fitting(named, commands, votes)
    if fitting is not None:
        return fitting
    if isinstance(found, DocType):
        return found
    if not records:  # a guess from broken lines' keys, not sure: the default, as before
        return DOC_TYPES[DEFAULT_DOC_TYPE]
    # Types with the same keys (the deletions) differ by what they do: each is said.
    alike = frozenset.intersection(*(t.markers for t in found))
    if _items_unwrapped(head, records):
        found.append(DOC_TYPES["USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS"])
    # A file named for its import (`user-points-deletion.ndjson`): one of the tied types,
    # or of those a record votes for (a stray USER_EMAIL line in a device points deletion
    # file leaves a tie of the two other deletions).
    voted = {name for names, _ in votes for name in names}
    named = [t for t in named if t in found or t.name in voted]
    if len(named) == 1:
        return named[0]
    found = sorted(found, key=lambda t: t.short_name)
    names = " or ".join(t.short_name + _what_it_does(t) * bool(alike) for t in found)
    import json
    from glob import escape

    name = json.dumps(escape(_file_name(path)))  # a glob of it alone, in a TOML string
    raise DocTypeError(
        f"{path}: its first records could be {names} commands: name the type with "
        f"--doc-type, or in [tool.mics-lint.doc-types] with a glob ({name} = "
        '"<one of them>")'
    )


def _named_fitting(
    named: list[DocType], records: list[dict[str, object]], votes: list[tuple[list[str], int]]
) -> DocType | None:
    """The one type the file's name names (`named`), where its first records all fit it,
    whatever their `votes`: each votes for it, or for no type by a marker of its own (bare DELETEs,
    which count 1 for profiles: a segment file uploaded from the segment's page, one UPDATE
    with its expiration among them), and one at least for it; or each is one typed
    identifier, where the type's lines have the wrong shape for them (an association's
    items without their wrapper, MIC908). A profile export named `segments.ndjson` stays a
    profile file (its lines vote for profiles), and so does an activity with a custom
    `segment_id` key (for activities)."""
    if len(named) != 1:
        return None
    (doc_type,) = named
    if any(doc_type.name in names and weight == 2 for names, weight in votes) and all(
        doc_type.name in names or weight < 2 for names, weight in votes
    ):
        return doc_type
    if doc_type.misshapen is not None:
        from mics_lint.rules.deletions import typed_identifier  # loaded with the rules

        return doc_type if all(map(typed_identifier, records)) else None
    return None


def _named_types(path: str) -> list[DocType]:
    """The types whose name, short name or alias the file's name holds, in any case, with
    any separators or none between its words, each word singular or plural
    (`2026-12_USER_POINTS_DELETION.ndjson`, `identifiersDeletion.json`, the docs' own
    `userpoint-deletion`): what tells apart types whose records look alike (a device points
    deletion's name holds no `user_points_deletion`)."""
    named = _words(_file_name(path))
    # Each run of the name's words, written together: `userpoint` is `user` `point`.
    runs = {"".join(named[i:j]) for i in range(len(named)) for j in range(i + 1, len(named) + 1)}
    spellings = _spellings()
    return [t for t in DOC_TYPES.values() if not runs.isdisjoint(spellings.get(t.name, ()))]


@functools.cache
def _spellings() -> dict[str, frozenset[str]]:
    """Each type's names, by its name, as `_named_types` compares them (words joined): made
    once, not for each file (3,000 small files spent a third of their run here). By name:
    the types themselves are DOC_TYPES' of the moment (tests replace one)."""
    found: dict[str, set[str]] = {}
    for name in (*NAMES, *ALIASES):
        doc_type = find(name)
        if doc_type is not None:
            found.setdefault(doc_type.name, set()).add("".join(_words(name)))
    return {name: frozenset(spelled) for name, spelled in found.items()}


def _words(name: str) -> list[str]:
    """A name's words in lower case, camelCase split, each made singular (`points`:
    `point`, `activities`: `activity`); `userpoint` stays one word."""
    import re

    split = re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", name).lower()
    return [_singular(w) for w in re.findall(r"[a-z0-9]+", split)]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _file_name(path: str) -> str:
    """The file's own name: no folder, nor a URL's query (`?versionId=...`)."""
    path = path.partition("?")[0].partition("#")[0] if "://" in path else path
    return path.replace("\\", "/").rpartition("/")[2]


def _items_unwrapped(head: bytes, records: list[dict[str, object]]) -> bool:
    """Whether the first records are typed identifiers, one of them with a comma after it:
    the association example's items without their {"identifiers": [...]} wrapper (MIC908),
    as likely as a deletion's lines; named among the candidates, not chosen (a deletion
    file's lines with commas after them look the same)."""
    shape = DOC_TYPES["USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS"].misshapen
    return (
        shape is not None
        and all(shape[0](record) for record in records)
        # A comma after a record (typed identifiers hold no object), not one inside it
        and b"}," in head.translate(None, b" \t\r\n")
        and head.lstrip()[:1] != b"["  # a dumped array's elements: MIC007's
    )


def _what_it_does(doc_type: DocType) -> str:
    """The first sentence of the type's schema description, what its commands do ("deletes
    one identifier, not the UserPoint"): the choice between two types that look alike."""
    from mics_lint.schema import load_schema

    said = str(load_schema(doc_type.schema_file).get("description", doc_type.name))
    first = said.split(". ", 1)[0].rstrip(".")
    if doc_type.misshapen is not None:  # named for lines of its wrong shape: said so
        first += ': these lines would be its items, without the {"identifiers": [...]} around them'
    return f" ({first[:1].lower()}{first[1:]})"


def _keys_of_lines(head: bytes) -> list[dict[str, object]]:
    """The top-level keys of each of a file's first lines, as records without values, for a
    file none of whose first lines is JSON: the docs' examples with their placeholders left
    in (`"expiration_duration":<INTEGER>`) still name their type by their keys."""
    from mics_lint.jsontext import top_level_keys
    from mics_lint.reading import as_utf8

    text = as_utf8(head).decode("utf-8", "replace")
    lines = text.split("\n")[:-1][:DETECT_RECORDS]
    records = [dict.fromkeys(k for k, _, _ in top_level_keys(line)) for line in lines]
    opening = text.lstrip("\ufeff \t\r\n")
    if opening[:1] == "[":  # a pretty-printed array whose first element is past the head
        opening = opening[1:].lstrip(" \t\r\n")
    if not any(records) and opening[:1] == "{":
        # One example spread over lines, as the docs print it (MIC007), or an array's first
        # element: its keys, read whole (those the head holds).
        records = [dict.fromkeys(k for k, _, _ in top_level_keys(opening))]
    if not any(records) and lines:
        records = [dict.fromkeys(_csv_header(lines[0].removeprefix("\ufeff")))]
    return records


def _csv_header(line: str) -> list[str]:
    """A CSV header's column names in lower case, as a record's keys: the segments page's
    template (`OPERATION,USER_AGENT_ID,...,EXPIRATION_DURATION,...`) is a segment file,
    whose MIC101 then says that mics-lint does not check CSV. None where the line is no
    delimited row (row_shapes.delimited): a row of values names no type."""
    from mics_lint.rules.row_shapes import delimited

    found = delimited(line)
    return [] if found is None else [cell.strip().lower() for cell in found[1]]


def detect(records: list[dict[str, object]]) -> DocType | list[DocType]:
    """The type of a file from its first records, or the candidates when unsure: each
    record's vote (`vote`) summed. Most counts win; a tie lists the candidates. No count
    at all means the default type."""
    return _leaders([vote(record) for record in records])


def _leaders(votes: list[tuple[list[str], int]]) -> DocType | list[DocType]:
    counts: dict[str, int] = {}
    for names, weight in votes:
        for name in names:
            counts[name] = counts.get(name, 0) + weight
    if not counts:
        return DOC_TYPES[DEFAULT_DOC_TYPE]
    best = max(counts.values())
    leaders = [DOC_TYPES[name] for name, count in counts.items() if count == best]
    return leaders[0] if len(leaders) == 1 else leaders


def vote(record: dict[str, object]) -> tuple[list[str], int]:
    """The types one record counts for, and by how much: those of which it holds the most
    marker keys (the three deletion types share theirs; a USER_POINT line adds
    `user_point_id`), 2 each. One with none but an operation and profile keys
    (`{"operation":"DELETE","email_hash":"..."}`, valid only as a profile command) counts
    1 for USER_PROFILE: it may be another type's line without its marker
    (docs/decisions.md). None: ([], 0)."""
    profile = DOC_TYPES[DEFAULT_DOC_TYPE]
    keys = set(record)
    matched = {t.name: len(keys & t.markers) for t in DOC_TYPES.values()}
    most = max(matched.values())
    if not most:
        return ([profile.name], 1) if "operation" in keys and keys <= profile.keys else ([], 0)
    # `user_point_id` beside `type`: user points only; not a type whose schema refuses the
    # `type` (a device points deletion's lines are USER_AGENT only).
    most_of = [name for name, count in matched.items() if count and count == most]
    if len(most_of) > 1:
        from mics_lint.schema import takes_type  # a deletion's line only

        taking = [n for n in most_of if takes_type(DOC_TYPES[n].schema_file, record)]
        most_of = taking or most_of
    return most_of, 2
