"""MIC204's rename under `--fix --unsafe-fixes`: which known key an unknown one becomes, if
any. A rename must mend the line, never give it a new fault: the one close known key
(suggest.only_candidate), and not when the key is another import's (`segment_id`), when the
line has the new name already (or another key of the line takes it), when the new name is of
the other profile form than the line's (MIC406), or when it would give the line a second
identifier (MIC302)."""

from __future__ import annotations

from typing import Any

from mics_lint.registry import FieldMap
from mics_lint.rules.tool_keys import tool_key
from mics_lint.suggest import only_candidate


class Renames:
    """The renames of one schema's unknown keys, each key's candidate found once."""

    def __init__(self, properties: dict[str, Any], field_map: FieldMap | None) -> None:
        self.known_keys = tuple(properties)
        self.known = frozenset(properties)
        self.field_map = field_map  # the type's: which keys name the user
        # Each unknown key's candidate, asked again on every line that has it.
        self.meant: dict[str, str | None] = {}
        # Keys of one form of a type with forms (profiles), and for each form the others'.
        self.forms = {
            k: s["x-mics-form"]
            for k, s in properties.items()
            if isinstance(s, dict) and isinstance(s.get("x-mics-form"), str)
        }
        self.other_forms = {
            form: frozenset(k for k, other in self.forms.items() if other != form)
            for form in set(self.forms.values())
        }

    def target(self, key: str, record: dict[str, Any], taken: set[str]) -> str | None:
        """The name the unknown `key` of `record` gets, or None; `taken`, the new names
        of the line's other renamed keys."""
        meant = self.meant.get(key, "")
        if meant == "":
            meant = only_candidate(key, self.known_keys)
            if meant is not None:
                from mics_lint.doctypes import foreign_field  # a rename only

                meant = None if foreign_field(key, meant, self.known) else meant
            if len(self.meant) < 1024:
                self.meant[key] = meant
        if (
            meant is None
            or tool_key(key, record.get(key)) is not None  # Json.NET's `$type`: no `type`
            or meant in record
            or meant in taken
            or self._mixes_forms(meant, record, taken)
            or self._adds_identifier(key, meant, record, taken)
        ):
            return None
        return meant

    def _mixes_forms(self, meant: str, record: dict[str, Any], taken: set[str]) -> bool:
        """Whether renaming a key to `meant` would put two forms' keys on one line."""
        owner = self.forms.get(meant)
        if owner is None:
            return False
        others = self.other_forms[owner]
        return not others.isdisjoint(record) or not others.isdisjoint(taken)

    def _adds_identifier(
        self, key: str, meant: str, record: dict[str, Any], taken: set[str]
    ) -> bool:
        """Whether renaming `key` to `meant` gives the line a second identifier (MIC302),
        after the line's other renames (`taken`): `emailHash` beside a `user_account_id`
        (or a lone `compartment_id`) names no second user. A key counts whatever its value
        (`"user_agent_id": null` too): scalars are read as strings."""
        if self.field_map is None:
            return False
        held = {k: v if isinstance(v, (str, list, dict)) else "?" for k, v in record.items()}
        held.update(dict.fromkeys(taken, "?"))
        renamed = {name: value for name, value in held.items() if name != key}
        renamed[meant] = held[key]
        # The users its identifiers name: an account and its compartment name one.
        users = [
            {
                "user_account_id" if r == "compartment_id" else r
                for _, _, r, _ in self.field_map(one)
            }
            for one in (held, renamed)
        ]
        return bool(users[0]) and len(users[1]) > len(users[0])
