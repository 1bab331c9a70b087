"""Seeded generator of valid USER_ACTIVITY bulk-import files (NDJSON) for the benchmarks.

    python bench/generate_activities.py 100000   # bench/data/activities-100000-s7.ndjson
    python bench/generate_activities.py 100000 --out /tmp/a.ndjson --seed 3

Every line is clean (no rule fires): a TOUCH, SITE_VISIT or APP_VISIT activity of 1 to 3
events with small free-form `$properties` (some unicode), timestamps in milliseconds in
2023; the user named at the root (`$user_agent_id`, or `$user_account_id` with
`$compartment_id`) or by `$user_identifiers`; some lines with `$origin` or `$location`.
About 470 bytes a line.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

import orjson

DATA = Path(__file__).parent / "data"
NAMES = ["$page_view", "store_purchase", "add_to_cart", "$email_click", "search"]
CITIES = ["Paris", "Lyon", "Montréal", "Kraków", "Zürich", "東京"]


def activity(rng: random.Random, i: int) -> dict[str, object]:
    ts = 1_700_000_000_000 + i * 1_000
    record: dict[str, object] = {}
    who = i % 3
    if who == 0:
        record["$user_agent_id"] = f"vec:{10_000_000 + i}"
    elif who == 1:
        record["$compartment_id"] = "1000"
        record["$user_account_id"] = f"CRM-{i:09d}"
    else:
        record["$user_identifiers"] = [
            {"$type": "USER_AGENT", "$user_agent_id": f"vec:{i}"},
            {
                "$type": "USER_EMAIL",
                "$hash": hashlib.sha256(b"user-%d@example.com" % i).hexdigest(),
            },
        ]
    record["$type"] = rng.choice(["TOUCH", "SITE_VISIT", "APP_VISIT"])
    record["$session_status"] = "NO_SESSION"
    record["$ts"] = ts
    record["$events"] = [
        {
            "$event_name": rng.choice(NAMES),
            "$ts": ts + k,
            "$properties": {
                "sku": f"SKU-{rng.randrange(10**6):06d}",
                "price": round(rng.uniform(1, 300), 2),
                "city": rng.choice(CITIES),
                "tags": rng.sample(["new", "promo", "gift"], 2),
            },
        }
        for k in range(rng.randrange(1, 4))
    ]
    if rng.random() < 0.3:
        record["$origin"] = {"$channel_id": "1234", "$source": "newsletter"}
    if rng.random() < 0.2:
        record["$location"] = {"$latlon": [48.85, 2.35]}
    return record


def default_path(lines: int, seed: int = 7) -> Path:
    return DATA / f"activities-{lines}-s{seed}.ndjson"


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write the file (through a temporary file, so that a half-written one is never used)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as f:
        f.writelines(orjson.dumps(activity(rng, i)) + b"\n" for i in range(lines))
    tmp.replace(path)


def ensure(lines: int, seed: int = 7) -> Path:
    """The default file for these arguments, generated if it is not there yet."""
    path = default_path(lines, seed)
    if not path.exists():
        generate(path, lines, seed)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or default_path(args.lines, args.seed)
    generate(out, args.lines, args.seed)
    print(out)


if __name__ == "__main__":
    main()
