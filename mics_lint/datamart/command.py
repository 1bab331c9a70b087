"""`mics-lint schema-check PATH.gql`: the mapping a schema gives, as the checks read it."""

from __future__ import annotations

from collections.abc import Iterator

from mics_lint.commands import echo
from mics_lint.datamart.model import OBJECT, Datamart, FieldSpec
from mics_lint.datamart.sdl import SchemaError, load
from mics_lint.exits import EXIT_FAILURE, EXIT_OK, fail


def schema_check(path: str) -> int:
    try:
        datamart = load(path)
    except SchemaError as exc:
        fail(str(exc))
        return EXIT_FAILURE
    echo("\n".join(describe(datamart)))
    return EXIT_OK


def describe(datamart: Datamart) -> Iterator[str]:
    """The lines schema-check prints: per document type, each field read from the import
    (its JSON source, its declared type, the schema field), then those that are not."""
    roots = (
        ("USER_PROFILE", datamart.profile, ("user_profile",)),
        ("USER_ACTIVITY", datamart.activity, ()),
    )
    for doc_type, name, prefix in roots:
        if name is None:
            yield f"{doc_type}: not checked (UserPoint declares no {_root_field(doc_type)})"
            continue
        yield f"{doc_type}: each line's {'user_profile' if prefix else 'activity'} as {name}"
        rows = list(_rows(datamart, name, prefix, set()))
        width = max((len(r[0]) for r in rows), default=0)
        types = max((len(r[1]) for r in rows), default=0)
        for source, declared, where, note in rows:
            yield f"  {source:<{width}}  {declared:<{types}}  {where}{note}"
        skipped = [
            f"{t.name}.{field} ({why})"
            for t in datamart.types.values()
            for field, why in t.skipped
            if t.name in _reached(datamart, name)
        ]
        if skipped:
            yield "  not read from the import: " + ", ".join(skipped)


def _root_field(doc_type: str) -> str:
    return "profiles" if doc_type == "USER_PROFILE" else "activities"


def _reached(datamart: Datamart, name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(f.base for f in datamart.types[current].fields if f.kind == OBJECT)
    return seen


def _rows(
    datamart: Datamart, name: str, prefix: tuple[str, ...], seen: set[str]
) -> Iterator[tuple[str, str, str, str]]:
    """The rows of type `name`'s fields, each object field's own after it, depth first: by a
    stack, not recursion (a chain of a thousand types is a valid schema)."""
    stack = [(iter(datamart.types[name].fields), prefix, seen | {name})]
    while stack:
        fields, prefix, seen = stack[-1]
        field = next(fields, None)
        if field is None:
            stack.pop()
            continue
        for index, source in enumerate(field.sources):
            shown = ".".join((*prefix, *source)) + ("[]" if field.is_list else "")
            yield shown, field.declared, field.where, _note(field, index)
        if field.kind == OBJECT and field.base not in seen:
            inner = _joined((*prefix, *field.sources[0], *(("[]",) if field.is_list else ())))
            stack.append((iter(datamart.types[field.base].fields), inner, seen | {field.base}))


def _joined(parts: tuple[str, ...]) -> tuple[str, ...]:
    """`[]` glued to the key before it: `$events[]`, not `$events.[]`."""
    out: list[str] = []
    for part in parts:
        if part == "[]" and out:
            out[-1] += "[]"
        else:
            out.append(part)
    return tuple(out)


def _note(field: FieldSpec, index: int) -> str:
    if len(field.sources) > 1:
        return f" (candidate {index + 1} of {len(field.sources)}: the first present wins)"
    if field.how == "guess":
        return " (by its name: absence not reported)"
    if field.how == "default":
        return " (absent: the default compartment)"
    return ""
