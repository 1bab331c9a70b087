"""The fast path against the full checks, on lines drawn from the rules' own documentation.

Every rule documents an `## Example` that breaks it and a `Use instead:` that does not
(`mics-lint rule CODE`). Hypothesis draws files from those lines, for each document type
and profile form the examples are written for, and the fast path (forced to start at once)
must give exactly what the full checks give. A rule added with its documentation is so
tested on the fast path with no generator to write; tests/test_fastpath*.py add
hand-written generators of the mistakes the examples do not show.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rule_docs import block_bytes, settings_for

from mics_lint import Settings, lint_lines
from mics_lint.rules import REGISTRY
from mics_lint.typeguess import detect


def _pools() -> dict[str, tuple[Settings, list[bytes]]]:
    """Example and Use-instead lines of every rule, by the settings they are written for."""
    pools: dict[str, set[bytes]] = defaultdict(set)
    configs: dict[str, Settings] = {}
    for code, rule in REGISTRY.items():
        for block in (rule.example, rule.use_instead):
            data = block_bytes(block)
            config = _typed(settings_for(code), data)
            if config is None:
                continue
            key = _key(config)
            configs[key] = config
            if not data.endswith(b"\n") or b"\r" in data or data.startswith(b"\xef\xbb\xbf"):
                continue  # file-level examples (no final newline, CRLF, BOM): not per line
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # UTF-16 and broken bytes: the engine's framing, not a fast check
            pools[key].update(line + b"\n" for line in data.splitlines() if line)
    return {k: (configs[k], sorted(lines)) for k, lines in pools.items() if len(lines) > 1}


def _typed(config: Settings, data: bytes) -> Settings | None:
    """The settings with the document type the block is written for (told from its lines
    where the rule's text names none), or None when its lines do not tell."""
    if config.doc_type is not None:
        return config
    records = []
    for line in data.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    found = detect(records)
    return None if isinstance(found, list) else dataclasses.replace(config, doc_type=found.name)


def _key(config: Settings) -> str:
    return (
        f"{config.doc_type or 'detected'}-{config.profile_form}"
        f"-{config.max_file_size}-{config.max_line_bytes}"
    )


POOLS = _pools()


def _lint(lines: list[bytes], config: Settings) -> list[dict[str, object]]:
    return [d.to_dict() for d in lint_lines(lines, "f.ndjson", config)]


@pytest.mark.parametrize("name", sorted(POOLS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_documented_lines_give_the_same_diagnostics_both_ways(
    name: str, data: st.DataObject
) -> None:
    config, pool = POOLS[name]
    lines = data.draw(st.lists(st.sampled_from(pool), min_size=2, max_size=40))
    fast = _lint(lines, dataclasses.replace(config, fast_path_from=1))
    slow = _lint(lines, dataclasses.replace(config, fast_path=False))
    assert fast == slow


def test_the_pools_hold_every_type_of_example() -> None:
    """So that the test above covers profiles and the other types alike."""
    kinds = {config.doc_type for config, _ in POOLS.values()}
    assert {"USER_PROFILE", "USER_ACTIVITY", "USER_IDENTIFIERS_DELETION"} <= kinds
    assert sum(len(lines) for _, lines in POOLS.values()) >= 60
