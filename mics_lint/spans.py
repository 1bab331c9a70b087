"""Where a nested value of a line is: `NestedSpans`, jsontext.nested_spans' tables asked
by a value's path (registry.LineContext.at places a nested finding with it)."""

from __future__ import annotations

from mics_lint.jsontext import Spans

Path = tuple[str | int, ...]


class NestedSpans:
    """Where each value of a line is named (jsontext.nested_spans): by its container's
    number and its key or index there, not by its whole path, which a value nested 1,000
    deep made again for each of its ancestors (2.5 GB for an activity line of 1.2 MB).

    A line's findings come in the order of their values, so a path mostly runs through the
    containers of the last one asked: their numbers are kept (`_numbers`, one a level of
    `_last`, the top-level object's 0 first), and only the levels where the two paths part
    are looked up again. Walked from the top each time, a line of 31,000 datamart findings
    1,000 levels deep looked up 31 million containers."""

    def __init__(self, spans: Spans, kids: dict[tuple[int, str | int], int]) -> None:
        self.spans, self.kids = spans, kids
        self._last: Path = ()
        self._numbers = [0]

    def get(self, path: Path) -> tuple[int, int] | None:
        """The span of the value at `path` (keys and array indexes), if it is there."""
        if not path:
            return None
        numbers, inner = self._numbers, path[:-1]
        shared = _shared(inner, self._last)
        del numbers[shared + 1 :]
        for part in inner[shared:]:
            at = self.kids.get((numbers[-1], part))
            if at is None:
                self._last = inner[: len(numbers) - 1]
                return None
            numbers.append(at)
        self._last = inner
        return self.spans.get((numbers[-1], path[-1]))


def _shared(path: Path, last: Path) -> int:
    """How many first parts two paths have in common: slices compared in C, a handful of
    times, not a step a part."""
    most = min(len(path), len(last))
    if path[:most] == last[:most]:
        return most
    low, high = 0, most - 1  # the first `low` parts are alike; the first `high + 1` are not
    while low < high:
        middle = (low + high + 1) // 2
        if path[:middle] == last[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
