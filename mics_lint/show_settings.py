"""`mics-lint check --show-settings` (ruff's name): for each path, the config file, the
document type and how it was decided, the profile form and the rules that apply, without
checking anything. Builds text only; the command prints it."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from mics_lint.config import FileConfig, Settings
from mics_lint.discovery import Source
from mics_lint.doctypes import DOC_TYPES, DocType, DocTypeError
from mics_lint.reading import LineReader, ReadError, open_input, text_head
from mics_lint.rules import REGISTRY


@dataclass(frozen=True)
class Origins:
    """Where the settings came from: the config file, and what the command line set."""

    config: FileConfig | None
    isolated: bool
    doc_type_option: bool
    profile_form_option: bool


def describe(sources: Sequence[Source], settings: Settings, origins: Origins) -> str:
    """The settings of each source, a block each, separated by blank lines."""
    if origins.config is not None:
        config = str(origins.config.path)
    else:
        config = "none (--isolated)" if origins.isolated else "none found (the defaults)"
    blocks = [_block(source, settings, origins, config) for source in sources]
    return "\n\n".join(blocks) + "\n" if blocks else "No import files to check.\n"


def _block(source: Source, settings: Settings, origins: Origins, config: str) -> str:
    active = settings.rules_for(source.display)
    told, _ = _doc_type(source, settings, origins)
    enabled = sorted(active.enabled)
    by_severity: dict[str, list[str]] = {"error": [], "warning": []}
    for code in enabled:
        by_severity[str(active.severity[code])].append(code)
    off = sorted(set(REGISTRY) - active.enabled)
    form = settings.profile_form
    if origins.profile_form_option:
        form += " (--profile-form)"
    elif origins.config is not None and origins.config.profile_form is not None:
        form += " (config)"
    else:
        form += " (default)"
    lines = [
        f"{source.display}:",
        f"  config: {config}",
        f"  document type: {told}",
        f"  profile form: {form}",
        f"  rules: {len(enabled)} of {len(REGISTRY)} selected (each runs where its type has it)",
        f"    errors: {' '.join(by_severity['error']) or '-'}",
        f"    warnings: {' '.join(by_severity['warning']) or '-'}",
        f"    not selected: {' '.join(off) or '-'}",
    ]
    return "\n".join(lines)


def _doc_type(source: Source, settings: Settings, origins: Origins) -> tuple[str, DocType | None]:
    """The type the file is checked as and what decided it; the type, if known."""
    if origins.doc_type_option and settings.doc_type is not None:
        return f"{settings.doc_type} (--doc-type)", DOC_TYPES[settings.doc_type]
    glob = settings.doc_type_glob(source.display)
    if glob is not None:
        return f"{glob[1]} (config doc-types: {glob[0]!r})", DOC_TYPES[glob[1]]
    if source.path is None:
        return "told from its first records, once read (standard input)", None
    try:  # read as the check reads it: .gz, URLs and binary files alike
        with contextlib.ExitStack() as files:
            handle, _ = open_input(source.path, source.display, files)
            head, _ = text_head(LineReader(handle, source.display, settings.max_line_bytes))
        found = settings.doc_type_for(source.display, head)
    except ReadError as exc:
        return f"unknown: cannot read it ({str(exc).removeprefix(source.display + ': ')})", None
    except DocTypeError as exc:
        return f"unknown: {str(exc).removeprefix(source.display + ': ')}", None
    return f"{found.name} (told from its first records)", found
