"""Seeded generator of realistic USER_PROFILE bulk-import files (NDJSON) for the benchmarks.

    python bench/generate.py 1000000                      # 1M lines, 1% bad, seed 7
    python bench/generate.py 100000 --bad 0.05 --kinds invalid-json,wrong-type
    python bench/generate.py 100000 --bad 0                # every line valid
    python bench/generate.py 100000 --all-bad wrong-type   # every compartment_id a number
    python bench/generate.py 4000000 --out /tmp/big.ndjson

Files go to bench/data/ (git-ignored) unless --out says otherwise; the default name holds the
size, the bad share and the seed, so the same arguments always give the same bytes.

What a line looks like: about 90% UPSERT (30% `force_replace: true`, some with
`merge_objects`), 10% DELETE. The user is named by `compartment_id` + `user_account_id` (50%),
an `email_hash` of 64 hex digits (30%) or a `user_agent_id` such as `vec:123` (20%); every
line names a different user. Profiles are nested objects with arrays, numbers, booleans, null
and unicode text (accents, CJK, emoji), about 340 bytes a line on average, as in the issue's
341 MB per million lines.

Bad lines, a share `--bad` of them spread evenly over the kinds chosen with `--kinds`:

- `invalid-json`: a trailing comma, after the object or before its closing brace (MIC101);
- `wrong-type`: `compartment_id` written as a number, `1000` (MIC202);
- `unknown-field`: `forceReplace` instead of `force_replace` (MIC204, and MIC401);
- `missing-identifier`: no user identifier at all (MIC301);
- `duplicate-user`: the user of an earlier line again (MIC501).

and, with `--all-bad` only, `missing-compartment`: every user named by `user_account_id`
alone, no `compartment_id` (MIC304), as an export relying on the default compartment is.

`--all-bad KIND` makes every line bad in that one systematic way (the "bad lines stay cheap"
target of the performance issue uses `--all-bad wrong-type`).

Speed: profiles come from a seeded pool, lines are built as dicts and serialised with
`orjson.dumps`, and written in batches; 4M lines take about a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections import Counter
from pathlib import Path

import orjson

DATA = Path(__file__).parent / "data"
KINDS = ("invalid-json", "wrong-type", "unknown-field", "missing-identifier", "duplicate-user")
# Kinds made only for files whose every line is bad (`--all-bad`): not among KINDS, whose
# mix the default bench files are generated from.
ALL_BAD_KINDS = (*KINDS, "missing-compartment")
IDENTIFIERS = ("compartment_id", "user_account_id", "email_hash", "user_agent_id")
BATCH = 20_000
POOL = 4096

FIRST = ["Zoë", "François", "Łukasz", "Ana", "Jürgen", "Siobhán", "Ngọc", "美咲", "Олег", "Chloé"]
LAST = ["Müller", "García", "Nguyễn", "O'Brien", "Dupré", "Kowalski", "山田", "Søren", "Petrov"]
CITIES = ["Paris", "Lyon", "Montréal", "Kraków", "São Paulo", "Zürich", "東京", "Αθήνα", "Köln"]
TIERS = ["gold", "silver", "bronze", "platinum"]
CHANNELS = ["email", "sms", "push", "web", "app"]
NOTES = [
    "prefers weekend deliveries 🚚",
    "VIP — call before shipping",
    "a signalé un problème de facturation",
    "Kundennummer übernommen aus Altsystem",
    "",
    "☕ coffee club member",
    "返品あり",
]


def profile(rng: random.Random) -> dict[str, object]:
    """One realistic free-form profile: nested objects, arrays, unicode, mixed types."""
    prof: dict[str, object] = {
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "tier": rng.choice(TIERS),
        "score": round(rng.random() * 100, 3),
        "optin": rng.random() < 0.6,
        "address": {"city": rng.choice(CITIES), "zip": f"{rng.randrange(1000, 99999):05d}"},
        "segments": [rng.randrange(1, 5000) for _ in range(rng.randrange(0, 6))],
        "consents": [{"channel": rng.choice(CHANNELS), "granted": rng.random() < 0.7}],
    }
    if rng.random() < 0.5:
        prof["notes"] = rng.choice(NOTES)
    if rng.random() < 0.3:
        prof["last_order"] = {
            "id": f"ORD-{rng.randrange(10**8):08d}",
            "amount": round(rng.uniform(5, 500), 2),
            "currency": rng.choice(["EUR", "USD", "GBP"]),
            "items": rng.randrange(1, 12),
            "coupon": None,
        }
    if rng.random() < 0.2:
        prof["tags"] = rng.sample(["new", "churn-risk", "b2b", "loyal", "ünïcödé", "🎯"], 3)
    return prof


def identity(i: int) -> dict[str, str]:
    """The identifier of user number i: the same i always gives the same user."""
    kind = i % 10
    if kind < 5:
        return {"compartment_id": str(1000 + i % 3), "user_account_id": f"CRM-{i:09d}"}
    if kind < 8:
        return {"email_hash": hashlib.sha256(b"user-%d@example.com" % i).hexdigest()}
    return {"user_agent_id": f"vec:{10_000_000_000 + i * 7919}"}


def command(rng: random.Random, i: int, pool: list[dict[str, object]]) -> dict[str, object]:
    """A valid command for user i."""
    record: dict[str, object] = {"operation": "UPSERT" if rng.random() < 0.9 else "DELETE"}
    record.update(identity(i))
    if record["operation"] == "UPSERT":
        force = rng.random() < 0.3
        record["force_replace"] = force
        if not force and rng.random() < 0.3:
            record["merge_objects"] = True
        record["user_profile"] = pool[rng.randrange(POOL)]
    return record


def spoil(rng: random.Random, i: int, record: dict[str, object], kind: str) -> bytes:
    """Turn a valid command into a bad line of the given kind."""
    if kind == "invalid-json":
        line = orjson.dumps(record)
        return line + b"," if rng.random() < 0.5 else line[:-1] + b",}"
    if kind == "wrong-type":
        rest = {k: v for k, v in record.items() if k not in IDENTIFIERS}
        account = {"compartment_id": 1000 + i % 3, "user_account_id": f"CRM-{i:09d}"}
        record = {"operation": rest.pop("operation"), **account, **rest}
    elif kind == "unknown-field":
        if record["operation"] == "DELETE":
            record["operation"] = "UPSERT"
            record["user_profile"] = {"tier": "gold"}
        record["forceReplace"] = record.pop("force_replace", False)
        record.pop("merge_objects", None)
    elif kind == "missing-identifier":
        for key in IDENTIFIERS:
            record.pop(key, None)
    elif kind == "missing-compartment":  # an export relying on the default compartment
        rest = {k: v for k, v in record.items() if k not in IDENTIFIERS}
        record = {"operation": rest.pop("operation"), "user_account_id": f"CRM-{i:09d}", **rest}
    elif kind == "duplicate-user":
        rest = {k: v for k, v in record.items() if k not in IDENTIFIERS}
        other = identity(rng.randrange(i)) if i else {"user_agent_id": "vec:1"}
        record = {"operation": rest.pop("operation"), **other, **rest}
    else:
        raise ValueError(f"unknown kind of bad line: {kind}")
    return orjson.dumps(record)


def default_path(lines: int, bad: float, seed: int, all_bad: str | None) -> Path:
    tag = f"allbad-{all_bad}" if all_bad else f"bad{bad:g}"
    return DATA / f"profiles-{lines}-{tag}-s{seed}.ndjson"


def generate(
    path: Path,
    lines: int,
    bad: float = 0.01,
    kinds: tuple[str, ...] = KINDS,
    seed: int = 7,
    all_bad: str | None = None,
) -> Counter[str]:
    """Write the file; return how many lines of each kind of bad line it holds."""
    rng = random.Random(seed)
    pool = [profile(rng) for _ in range(POOL)]
    counts: Counter[str] = Counter()
    dumps = orjson.dumps
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as out:
        batch: list[bytes] = []
        for i in range(lines):
            record = command(rng, i, pool)
            if all_bad:
                kind: str | None = all_bad
            elif bad and rng.random() < bad:
                kind = kinds[rng.randrange(len(kinds))]
            else:
                kind = None
            if kind is None:
                batch.append(dumps(record))
            else:
                batch.append(spoil(rng, i, record, kind))
                counts[kind] += 1
            if len(batch) >= BATCH:
                batch.append(b"")
                out.write(b"\n".join(batch))
                batch = []
        if batch:
            batch.append(b"")
            out.write(b"\n".join(batch))
    tmp.replace(path)
    return counts


def ensure(lines: int, bad: float = 0.01, seed: int = 7, all_bad: str | None = None) -> Path:
    """The default file for these arguments, generated if it is not there yet."""
    path = default_path(lines, bad, seed, all_bad)
    if not path.exists():
        generate(path, lines, bad=bad, seed=seed, all_bad=all_bad)
    return path


def size_arg(text: str) -> int:
    """1000, 100k, 1M, 4m, 1_000_000."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("lines", type=size_arg, help="number of lines: 1000, 100k, 4M...")
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad lines (0.01)")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"kinds of bad lines (default: {','.join(KINDS)})"
    )
    parser.add_argument(
        "--all-bad", choices=ALL_BAD_KINDS, help="make every line bad in this one way"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="output file (default: under bench/data/)")
    args = parser.parse_args()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    path = args.out or default_path(args.lines, args.bad, args.seed, args.all_bad)
    start = time.perf_counter()
    counts = generate(path, args.lines, args.bad, kinds, args.seed, args.all_bad)
    took = time.perf_counter() - start
    size = path.stat().st_size
    bad_total = sum(counts.values())
    detail = ", ".join(f"{k} {n:,}" for k, n in sorted(counts.items())) or "none"
    print(
        f"{path}: {args.lines:,} lines, {size / 1e6:.1f} MB, {bad_total:,} bad ({detail}); "
        f"{took:.1f} s",
        file=sys.stderr,
    )
    print(path)


if __name__ == "__main__":
    main()
