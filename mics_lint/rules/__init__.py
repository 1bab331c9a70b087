"""Every rule family, in code order. Adding a family means adding it here (and a module
that adds rules to another's family, as identifier_values.py does, to the imports)."""

from __future__ import annotations

# MIC25x live with the rest of the datamart checks (mics_lint/datamart/).
from mics_lint.datamart import rules as datamart
from mics_lint.registry import Family, Registry
from mics_lint.rules import (
    activities,
    choices,
    crossline,
    deletions,
    framing,
    identifiers,
    operations,
    segments,
    structure,
    syntax,
)

# Imported for what they register: MIC308 to MIC311, in identifiers' family; MIC105 and
# MIC106 in syntax's (guard rules: guards.py).
from mics_lint.rules import envelopes as envelopes
from mics_lint.rules import identifier_values as identifier_values
from mics_lint.rules import tables as tables

FAMILIES: tuple[Family, ...] = (
    framing.FAMILY,
    syntax.FAMILY,
    structure.FAMILY,
    datamart.FAMILY,
    identifiers.FAMILY,
    operations.FAMILY,
    crossline.FAMILY,
    activities.FAMILY,
    segments.FAMILY,
    choices.FAMILY,
    deletions.FAMILY,
)

REGISTRY = Registry(FAMILIES)
