"""What a datamart schema says about import data: each indexed field, its JSON source and
its type, per platform object (the profile, the activity, the event).

Made by `sdl.compile_schema` from the schema file; read by the checks (`walk.py`, `fast.py`)
and printed by `mics-lint schema-check`. Plain frozen data: it crosses to `--jobs` workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Scalars and what JSON each takes: the GraphQL built-ins, the platform's Timestamp and
#: Date, and the names the Navigator's code also knows (whether the SDL accepts them is
#: not documented: they are taken, as a customer's schema may use them).
SCALARS: dict[str, str] = {
    "ID": "string",
    "String": "string",
    "Int": "integer",
    "Float": "number",
    "Number": "number",
    "Double": "number",
    "BigDecimal": "number",
    "Boolean": "boolean",
    "Bool": "boolean",
    "Timestamp": "timestamp",
    "Date": "date",
}

#: The platform's enums, usable without being declared (reference §2.2, from the
#: Navigator's BuitinEnumerationType).
PLATFORM_ENUMS: dict[str, frozenset[str]] = {
    name: frozenset(values.split())
    for name, values in {
        # USER_SCENARIO_NODE_MOVEMENT is in the platform's timeline code, not in this enum
        # (reference §2.2): taken, so that a value the platform writes is never reported.
        "UserActivityType": "ALL USER_PLATFORM TOUCH SITE_VISIT APP_VISIT EMAIL DISPLAY_AD "
        "STOPWATCH STAGING_AREA RECOMMENDER USER_SCENARIO_START USER_SCENARIO_STOP "
        "USER_SCENARIO_NODE_ENTER USER_SCENARIO_NODE_EXIT USER_SCENARIO_NODE_MOVEMENT",
        "ActivitySource": "PIXEL_TRACKING API INTERNAL SESSION_AGGREGATOR ACTIVITY_STORE",
        "OperatingSystemFamily": "OTHER WINDOWS MAC_OS LINUX ANDROID IOS",
        "HashFunction": "MD2 MD5 SHA_1 SHA_256 SHA_384 SHA_512 NO_HASH",
        "FormFactor": "OTHER PERSONAL_COMPUTER SMART_TV GAME_CONSOLE SMARTPHONE TABLET "
        "WEARABLE_COMPUTER",
        "BrowserFamily": "OTHER CHROME IE FIREFOX SAFARI OPERA STOCK_ANDROID BOT EMAIL_CLIENT "
        "MICROSOFT_EDGE",
        "UserAgentType": "WEB_BROWSER MOBILE_APP",
    }.items()
}

SCALAR, ENUM, OBJECT, ANY = "scalar", "enum", "object", "any"
Path = tuple[str, ...]
#: Where a value is in a line's JSON, and what walk.py finds of it: (code, where, at the
#: value (else its key), message).
JsonPath = tuple[str | int, ...]
Problem = tuple[str, JsonPath, bool, str]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a schema type that is read from the import."""

    owner: str  # the schema type that declares it (UserProfile)
    name: str  # its name in the schema (loyalty)
    declared: str  # its type as written ([Item!]!)
    base: str  # the named type inside the list and `!` marks (Item)
    kind: str  # SCALAR, ENUM, OBJECT or ANY (a scalar the file declares itself)
    json: str  # for a scalar, what JSON it takes (SCALARS' values); else ""
    is_list: bool
    non_null: bool  # `!` on the field itself
    items_non_null: bool  # `!` on a list's elements
    #: Where the value is read, from the object of the type: each candidate path (a
    #: `@Property(paths: ...)` gives several; the first present wins).
    sources: tuple[Path, ...]
    #: How `sources` were found: "@Property", "implicit" (the platform's own key, or a
    #: custom key by its name) or "guess" (an activity's custom key by the field's name,
    #: which no public source shows: its absence is not reported) or "default" (the
    #: profile's $compartment_id: absent, the platform fills the default compartment).
    how: str
    enum_values: frozenset[str] = frozenset()

    @property
    def where(self) -> str:
        """How a message names it: `UserProfile.loyalty`."""
        return f"{self.owner}.{self.name}"


@dataclass(frozen=True)
class ObjectSpec:
    """A schema type as the import's JSON holds it: its fields, and the keys it declares."""

    name: str
    fields: tuple[FieldSpec, ...]
    #: The keys the schema reads (or the platform fills) where undeclared keys are looked
    #: for: the object itself, or an event's `$properties`. Any other is undeclared.
    known_keys: frozenset[str]
    #: Fields not read from the import, with why (@Function, set by the platform).
    skipped: tuple[tuple[str, str], ...] = ()
    #: The object below `$properties` where an event's custom fields live, if any.
    properties_key: str = ""


@dataclass(frozen=True)
class Datamart:
    """A compiled schema: the objects of the import reached from the root's fields."""

    path: str
    types: dict[str, ObjectSpec] = field(default_factory=dict)
    profile: str | None = None  # the type name of UserPoint.profiles, if declared
    activity: str | None = None  # of UserPoint.activities
    event: str | None = None  # of the activity type's `events`
