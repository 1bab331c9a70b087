"""Reading a datamart schema file (GraphQL SDL, as `mics-cli schema:fetch` writes it) into
a `Datamart`: which field of the import each schema field reads, and with which type.

Parsed with graphql-core's `parse` only: the platform's directives and scalars are not
declared in these files, so building a GraphQL schema object would refuse them (reference
§3.2). graphql-core is an optional extra, imported only when a schema is given. Every
problem with the file is a `SchemaError` whose text starts `FILE:LINE:COL:`.
"""

from __future__ import annotations

import functools
from typing import Any

from mics_lint.datamart.model import (
    ANY,
    ENUM,
    OBJECT,
    PLATFORM_ENUMS,
    SCALAR,
    SCALARS,
    Datamart,
    FieldSpec,
    ObjectSpec,
)
from mics_lint.suggest import did_you_mean

EXTRA_HINT = "--datamart-schema needs graphql-core: pip install 'mics-lint[datamart]'"
#: Fields the platform fills itself (reference §4.2 and §8's "skip system-generated fields
#: (`id`, `creation_ts`, `last_modified_ts`, `creation_date`, `date`, ...)"): never read
#: from a line, with or without the @Function the docs' samples give the dates.
_SYSTEM = frozenset({"id", "creation_ts", "last_modified_ts", "creation_date", "date"})
SYSTEM_FIELDS = {"profile": _SYSTEM, "activity": _SYSTEM, "event": _SYSTEM}
#: Profile fields read from the platform's `$` key of the same name (reference §4.1).
PROFILE_IMPLICIT = {"compartment_id": "$compartment_id", "user_account_id": "$user_account_id"}
#: Event fields read from the event's own `$` keys (reference §4.2); others from $properties.
EVENT_IMPLICIT = {"ts": "$ts", "name": "$event_name"}
#: Activity fields whose read of the `$` key of their name a source shows (reference §4.2);
#: another platform key ($origin, $location...) is read so too, as a guess: "no schema
#: mapping was found in any source".
ACTIVITY_IMPLICIT = frozenset({"ts", "type", "events"})


def _unread_path(field_node: Any) -> str | None:
    """Why a field's @Property path is not read: a segment in brackets (`[parent].$site_id`),
    a form no public source documents (reference §4.3), which the checks would read as a
    key of that name and report absent on every line. None: the path is read."""
    found = _directive(field_node, "Property")
    if found is None:
        return None
    for text in _paths(found):
        if any(part.startswith("[") for part in text.split(".")):
            return f"its path {text} is a form no public source documents: not checked"
    return None


#: A datamart schema larger than this is refused (a device such as /dev/zero never ends).
SCHEMA_LIMIT = 64 << 20


class SchemaError(Exception):
    """A datamart schema that cannot be used: one line, `FILE:LINE:COL: what`."""


@functools.lru_cache(maxsize=16)
def load(path: str) -> Datamart:
    """The compiled schema of a file (made once per process and path)."""
    from mics_lint.reading import read_small

    try:
        text = read_small(path, SCHEMA_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SchemaError(f"{path}: cannot read the datamart schema: {reason}") from None
    return compile_schema(text, path)


def compile_schema(text: str, path: str) -> Datamart:
    try:
        from graphql import GraphQLSyntaxError, parse
    except ImportError:
        raise SchemaError(EXTRA_HINT) from None
    try:
        document = parse(text, no_location=False)
    except GraphQLSyntaxError as exc:
        line, column = exc.locations[0] if exc.locations else (1, 1)
        why = exc.message.removeprefix("Syntax Error: ")
        if "found '$'" in why:  # `$url: String`: a JSON key is not a GraphQL name
            why += ' (a field read from a "$" key needs a name and @Property(path:"$key"))'
        raise SchemaError(f"{path}:{line}:{column}: not valid GraphQL SDL: {why}") from None
    except RecursionError:
        raise SchemaError(f"{path}:1:1: not valid GraphQL SDL: nested too deeply") from None
    return _Compiler(document, path).run()


def _where(path: str, node: Any) -> str:
    from graphql.language import get_location

    if node.loc is None:
        return f"{path}:1:1"
    found = get_location(node.loc.source, node.loc.start)
    return f"{path}:{found.line}:{found.column}"


def _unwrap(node: Any) -> tuple[str, bool, bool, bool, str]:
    """(base name, is a list, `!` on the field, `!` on the elements, as written)."""
    non_null = node.kind == "non_null_type"
    inner = node.type if non_null else node
    is_list = inner.kind == "list_type"
    items = inner.type if is_list else inner
    items_non_null = is_list and items.kind == "non_null_type"
    named = items.type if items.kind == "non_null_type" else items
    while named.kind != "named_type":  # nested lists: checked as lists of their base
        named = named.type
    base = named.name.value
    written = base + ("!" if items_non_null else "")
    written = f"[{written}]" if is_list else written
    return base, is_list, non_null, items_non_null, written + ("!" if non_null else "")


def _path_ok(path: str) -> bool:
    """A @Property path of keys, none empty (`$properties..x` reads nothing)."""
    return bool(path) and all(path.split("."))


def _nested_list(node: Any) -> bool:
    """Whether a field's type is a list of lists (`[[Int!]!]`)."""
    inner = node.type if node.kind == "non_null_type" else node
    if inner.kind != "list_type":
        return False
    items = inner.type.type if inner.type.kind == "non_null_type" else inner.type
    return bool(items.kind == "list_type")


def _paths(found: Any) -> list[str]:
    """A checked @Property's paths: `path`, or each of `paths`, where one string stands for a
    list of one (GraphQL's input coercion of a list argument)."""
    one, many = _argument(found, "path"), _argument(found, "paths")
    if one is None and many.kind == "string_value":
        one = many
    return [one.value] if one is not None else [v.value for v in many.values]


def _directive(node: Any, name: str) -> Any:
    return next((d for d in node.directives or () if d.name.value == name), None)


def _argument(directive: Any, name: str) -> Any:
    return next((a.value for a in directive.arguments or () if a.name.value == name), None)


class _Compiler:
    def __init__(self, document: Any, path: str) -> None:
        self.path = path
        self.objects: dict[str, Any] = {}
        self.enums: dict[str, frozenset[str]] = dict(PLATFORM_ENUMS)
        self.scalars: set[str] = set()
        self.others: set[str] = set()  # unions and input types: taken as they come
        self.root: Any = None
        # `extend type X { ... }`: its fields are X's too, as GraphQL reads them (an
        # `extend enum`, its values).
        self.extra: dict[str, list[Any]] = {}
        more_values: list[Any] = []
        declared: set[str] = set()
        for node in document.definitions:
            kind = node.kind
            name: str = getattr(getattr(node, "name", None), "value", "")
            if kind.endswith("_extension"):  # an extended union, scalar or input: as is
                if kind in ("object_type_extension", "interface_type_extension"):
                    self.extra.setdefault(name, []).extend(node.fields or ())
                elif kind == "enum_type_extension":
                    more_values.append(node)
                continue
            if name in declared:  # the second would replace the first, its fields lost
                raise SchemaError(
                    f"{_where(self.path, node)}: type {name!r} is declared twice: merge the "
                    "two declarations (or write the second as `extend type`)"
                )
            if name:
                declared.add(name)
            if kind in ("object_type_definition", "interface_type_definition"):
                self.objects[name] = node
                if _directive(node, "TreeIndexRoot") is not None:
                    if self.root is not None:  # which one is the datamart's? Not guessed.
                        raise SchemaError(
                            f"{_where(self.path, node)}: a second type with @TreeIndexRoot "
                            f"({name}, after {self.root.name.value}): keep one root"
                        )
                    self.root = node
            elif kind == "enum_type_definition":
                self.enums[name] = frozenset(v.name.value for v in node.values or ())
            elif kind == "scalar_type_definition":
                self.scalars.add(name)
            elif name:
                self.others.add(name)
        for node in more_values:
            name = node.name.value
            if name not in self.enums:
                raise SchemaError(f"{_where(self.path, node)}: `extend enum {name}`, but no enum")
            self.enums[name] |= {v.name.value for v in node.values or ()}
        self.specs: dict[str, ObjectSpec] = {}
        self.known: set[str] = set()  # every type name a field may have (`run`)

    def run(self) -> Datamart:
        if self.root is None:
            raise SchemaError(
                f"{self.path}:1:1: no type has @TreeIndexRoot: the datamart schema's root is "
                'type UserPoint @TreeIndexRoot(index:"USER_INDEX")'
            )
        for name in self.extra.keys() - self.objects.keys():
            raise SchemaError(f"{self.path}:1:1: `extend type {name}`, but no type {name}")
        self.known = {*self.objects, *self.enums, *self.scalars, *self.others, *SCALARS}
        for declared in self.objects:
            names: set[str] = set()
            for field_node in self._fields(declared):
                self._check_type(field_node)
                self._check_property(field_node)
                if field_node.name.value in names:  # GraphQL refuses it; which one is meant?
                    raise SchemaError(
                        f"{_where(self.path, field_node)}: field {field_node.name.value!r} is "
                        f"declared twice in {declared}: keep one"
                    )
                names.add(field_node.name.value)
        profile = self._role_type(self.root.name.value, "profiles", "UserProfile")
        activity = self._role_type(self.root.name.value, "activities", "UserActivity")
        event = self._role_type(activity, "events", "UserEvent") if activity else None
        for field_node in self._fields(activity) if activity is not None else ():
            base, is_list, *_, written = _unwrap(field_node.type)
            # `[String!]!`: no event is a string (a union of objects is taken as it comes);
            # `UserEvent`: `$events` is a list, which every line would be told is wrong.
            if field_node.name.value == "events" and (
                not is_list or (event is None and (base in SCALARS or base in self.enums))
            ):
                raise SchemaError(
                    f"{_where(self.path, field_node.type)}: {activity}.events is {written}: "
                    "the events are a list of an object type ([UserEvent!]!)"
                )
        # The event type first: the activity's `events` must find it compiled as an event.
        for role_type, role in ((event, "event"), (activity, "activity"), (profile, "profile")):
            if role_type is not None:
                self._compile(role_type, role)
        return Datamart(self.path, dict(self.specs), profile, activity, event)

    def _check_type(self, field_node: Any) -> None:
        base = _unwrap(field_node.type)[0]
        if base not in self.known:  # a set made once: a schema of thousands of types
            hint = did_you_mean(base, sorted(self.known)) or (
                ": declare it, or use a scalar (String, Int, Float, Boolean, Timestamp, Date)"
            )
            raise SchemaError(
                f"{_where(self.path, field_node.type)}: field {field_node.name.value!r} has "
                f"type {base!r}, which the schema does not declare{hint}"
            )

    def _check_property(self, field_node: Any) -> None:
        found = _directive(field_node, "Property")
        if found is None:
            return
        one, many = _argument(found, "path"), _argument(found, "paths")
        if one is None and many is not None and many.kind == "string_value":
            one = many  # `paths:"$x"`: a list of one (GraphQL's input coercion)
        good = (one is not None and one.kind == "string_value" and _path_ok(one.value)) or (
            many is not None
            and many.kind == "list_value"
            and many.values
            and all(v.kind == "string_value" and _path_ok(v.value) for v in many.values)
        )
        if not good:
            raise SchemaError(
                f"{_where(self.path, found)}: @Property on {field_node.name.value!r} needs "
                'a path: @Property(path:"$properties.x") or @Property(paths:["$a", "$b"])'
            )

    def _fields(self, name: str) -> list[Any]:
        """A type's fields, with those of its `extend type`s."""
        return [*(self.objects[name].fields or ()), *self.extra.get(name, ())]

    def _role_type(self, holder: str, field_name: str, platform: str) -> str | None:
        """The type of `holder`'s field `field_name` (`UserPoint.profiles`), else of its
        field whose type is the `platform` object (`UserProfile`), by name or @Mirror."""
        found = None
        for field_node in self._fields(holder):
            base, *_, written = _unwrap(field_node.type)
            if field_node.name.value == field_name:
                if base in SCALARS or base in self.enums:  # not "declares none": a typo
                    raise SchemaError(
                        f"{_where(self.path, field_node.type)}: {holder}.{field_name} is "
                        f"{written}: the {field_name} are a list of an object type "
                        f"([{platform}!]!)"
                    )
                return base if base in self.objects else None
            if found is None and base in self.objects and self._stands_for(base) == platform:
                found = base
        return found

    def _stands_for(self, name: str) -> str:
        mirror = _directive(self.objects[name], "Mirror")
        value = _argument(mirror, "object_type") if mirror is not None else None
        return str(value.value) if value is not None and value.kind == "string_value" else name

    def _compile(self, name: str, role: str) -> None:
        """Compiles the type `name` in `role`, then the object types its fields hold, as
        "custom": one at a time, not by recursion (a chain of a thousand types is valid)."""
        pending = [(name, role)]
        while pending:
            name, role = pending.pop()
            if name not in self.specs:
                self.specs[name] = ObjectSpec(name, (), frozenset())  # a type that holds itself
                made = self._compiled(name, role)
                pending.extend((f.base, "custom") for f in reversed(made) if f.kind == OBJECT)

    def _compiled(self, name: str, role: str) -> tuple[FieldSpec, ...]:
        """Compiles one type (`self.specs[name]`); returns its fields read from the line."""
        fields: list[FieldSpec] = []
        skipped: list[tuple[str, str]] = []
        for field_node in self._fields(name):
            field_name = field_node.name.value
            function = _directive(field_node, "Function")
            if function is not None:
                called = _argument(function, "name")
                what = called.value if called is not None and hasattr(called, "value") else ""
                skipped.append((field_name, f"computed by @Function({what})"))
            elif field_name in SYSTEM_FIELDS.get(role, ()) and not _directive(
                field_node, "Property"
            ):
                skipped.append((field_name, "set by the platform"))
            elif (unread := _unread_path(field_node)) is not None:
                skipped.append((field_name, unread))
            else:
                fields.append(self._field(name, role, field_node))
        # Undeclared keys are looked for in an event's $properties, else in the object.
        level: tuple[str, ...] = ("$properties",) if role == "event" else ()
        depth = len(level)
        known = {
            source[depth]
            for f in fields
            for source in f.sources
            if len(source) > depth and source[:depth] == level
        }
        self.specs[name] = ObjectSpec(
            name,
            tuple(fields),
            frozenset(known | {field for field, _ in skipped}),
            tuple(skipped),
            properties_key=level[0] if level else "",
        )
        return tuple(fields)

    def _field(self, owner: str, role: str, field_node: Any) -> FieldSpec:
        name = field_node.name.value
        base, is_list, non_null, items_non_null, written = _unwrap(field_node.type)
        if _nested_list(field_node.type):
            # `[[Int!]!]`: its elements are lists, which the walk of a list's elements would
            # call the wrong type of its base; taken as they come, as a union is.
            kind, json = ANY, ""
        elif base in SCALARS:
            kind, json = SCALAR, SCALARS[base]
        elif base in self.enums:
            kind, json = ENUM, ""
        elif base in self.objects:
            kind, json = OBJECT, ""
        else:
            kind, json = ANY, ""
        sources, how = self._sources(role, name, field_node)
        return FieldSpec(
            owner,
            name,
            written,
            base,
            kind,
            json,
            is_list,
            non_null,
            items_non_null,
            sources,
            how,
            self.enums.get(base, frozenset()),
        )

    def _sources(self, role: str, name: str, field_node: Any) -> tuple[tuple[Any, ...], str]:
        """Where the field is read, and how that was found (see FieldSpec.how)."""
        found = _directive(field_node, "Property")
        if found is not None:
            return tuple(tuple(t.split(".")) for t in _paths(found)), "@Property"
        if role == "profile":
            # Without $compartment_id the platform puts the profile in the datamart's
            # default compartment (reference §4.3): its absence is not reported.
            how = "default" if name == "compartment_id" else "implicit"
            return ((PROFILE_IMPLICIT.get(name, name),),), how
        if role == "event":
            if name in EVENT_IMPLICIT:
                return ((EVENT_IMPLICIT[name],),), "implicit"
            return (("$properties", name),), "implicit"
        if role == "activity":
            from mics_lint.schema import load_schema

            platform = load_schema("user_activity.schema.json").get("properties", {})
            if "$" + name in platform:
                return (("$" + name,),), "implicit" if name in ACTIVITY_IMPLICIT else "guess"
            return ((name,),), "guess"
        return ((name,),), "implicit"
