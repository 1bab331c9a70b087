"""The obvious alternative to mics-lint: the jsonschema library validating each line.

    python bench/jsonschema_lines.py FILE [REPORT]

What a user would write in a few minutes: json.loads each line, then
Draft202012Validator(schema).iter_errors on it, with the repository's schema
(schemas/user_profile_import.schema.json). Writes `path:line: message` for each error (and for
lines that are not JSON) to REPORT (default: stdout). Checks the schema only: none of
mics-lint's cross-field rules (one identifier, UPSERT needs force_replace, duplicate users...).
Exit code 1 when any line failed. Run by bench/run.py as one of the contenders.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "user_profile_import.schema.json"


def main() -> int:
    path = sys.argv[1]
    out = open(sys.argv[2], "w", encoding="utf-8") if len(sys.argv) > 2 else sys.stdout  # noqa: SIM115
    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    failed = 0
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                instance = json.loads(line)
            except json.JSONDecodeError as exc:
                out.write(f"{path}:{number}: invalid JSON: {exc}\n")
                failed += 1
                continue
            bad = False
            for error in validator.iter_errors(instance):
                out.write(f"{path}:{number}: {error.message}\n")
                bad = True
            failed += bad
    out.write(f"{failed} bad lines\n")
    out.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
