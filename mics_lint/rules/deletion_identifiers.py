"""MIC306 on the user agent ids of deletion and association lines: the core rule, with a
check that reads them through the deletions' field map (deletions.identifier_values: a
deletion line's own `user_agent_id`, or each association item's), as
activity_identifiers.py does for an activity's `$` keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from mics_lint.diagnostic import Finding
from mics_lint.registry import LineContext, Record, Rule
from mics_lint.rules import deletions, identifiers
from mics_lint.rules.agent_ids import user_agent_id_problem


def malformed_user_agent_ids(record: Record, ctx: LineContext) -> Iterator[Finding]:
    for path, where, role, value in deletions.identifier_values(record):
        if role == "user_agent_id":
            message = user_agent_id_problem(where, value, ctx.show_values)
            if message is not None:
                yield ctx.at(path, message)


#: For doctypes.py (not registered: the code, name and explanation are the core rule's).
MALFORMED_USER_AGENT_IDS: Rule = dataclasses.replace(
    identifiers.MALFORMED_USER_AGENT_ID, check=malformed_user_agent_ids
)
