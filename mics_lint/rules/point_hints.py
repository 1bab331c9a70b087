"""MIC905's message: what a `user_point_id` that is not a UUID holds instead, and what to
write (the reference: a UserPoint id is a UUID; a device point id, `udp:...`, is deleted as
a USER_AGENT line)."""

from __future__ import annotations

from collections.abc import Callable

from mics_lint.lazyre import compiled
from mics_lint.rules.identifiers import USER_AGENT_ID

_HEX32 = compiled(r"[0-9a-fA-F]{32}")
_EXAMPLE = "95772db3-e762-45da-8cf1-4893debffae7"


def not_uuid(point: str, shown: str, is_uuid: Callable[[str], object]) -> str:
    """The message for `point` (`shown` as a message may show it); `is_uuid`: whether a
    text is a UUID (deletions.UUID's fullmatch)."""
    head = f"user_point_id {shown} is not a UUID"
    if point.strip() != point and is_uuid(point.strip()) is not None:
        return f"{head}: it has whitespace around it, which names another UserPoint; trim it"
    if _HEX32.fullmatch(point) is not None:
        return f"{head}: write it with its hyphens, 8-4-4-4-12 ({_EXAMPLE})"
    if USER_AGENT_ID.fullmatch(point) is not None:
        return (
            f"{head}: an id with a prefix is a user agent id (a device point's udp: too); "
            'delete it with a line {"type":"USER_AGENT","user_agent_id":...}'
        )
    if "@" in point:
        return f'{head}: an e-mail is deleted by its hash, with a USER_EMAIL line and "hash"'
    return f"{head}: a UUID is 8-4-4-4-12 hexadecimal digits, as {_EXAMPLE}"
