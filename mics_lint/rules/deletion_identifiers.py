"""MIC306 on the user agent ids of deletion and association lines: the core rule, with a
check that reads them through the deletions' field map (deletions.identifier_values: a
deletion line's own `user_agent_id`, or each association item's), as
activity_identifiers.py does for an activity's `$` keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from mics_lint.diagnostic import Finding
from mics_lint.registry import LineContext, Record, Rule
from mics_lint.rules import deletions, identifiers
from mics_lint.rules.agent_ids import email_advice, user_agent_id_problem

#: What to do of an e-mail address in a user agent id's place (MIC306's advice): these
#: lines name a user by an e-mail hash so; a device points deletion takes devices only.
_EMAIL = email_advice('a "type": "USER_EMAIL" identifier with "hash"')
_NO_EMAIL = (
    "a device points deletion takes user agent ids only: leave the line out (an identifiers "
    'deletion removes an e-mail, as a "type": "USER_EMAIL" line with its "hash")'
)


def _malformed(email: str) -> Callable[[Record, LineContext], Iterator[Finding]]:
    def malformed_user_agent_ids(record: Record, ctx: LineContext) -> Iterator[Finding]:
        for path, where, role, value in deletions.identifier_values(record):
            if role == "user_agent_id":
                message = user_agent_id_problem(where, value, ctx.show_values, email)
                if message is not None:
                    yield ctx.at(path, message)

    return malformed_user_agent_ids


#: For doctypes.py (not registered: the code, name and explanation are the core rule's).
MALFORMED_USER_AGENT_IDS: Rule = dataclasses.replace(
    identifiers.MALFORMED_USER_AGENT_ID, check=_malformed(_EMAIL)
)
#: The same, for a device points deletion.
MALFORMED_DEVICE_IDS: Rule = dataclasses.replace(
    identifiers.MALFORMED_USER_AGENT_ID, check=_malformed(_NO_EMAIL)
)
