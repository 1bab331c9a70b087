"""Regular expressions compiled at their first use, not at import.

`re` compiles in Python: the dozen patterns that only a bad line, a message or a masked
value needs took ~9M instructions of a 3-line check's start-up (issue 14). `compiled(...)`
stands for `re.compile(...)`: the pattern is compiled when one of its methods or attributes
is first asked for, which is then kept on the object, so that later uses cost what a
compiled pattern's do.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast


class _Later:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._args: tuple[Any, int] = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        # Only for a name not on the object yet: the first use of each.
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and the like probe dunders: none here
        found = getattr(re.compile(*self._args), name)
        setattr(self, name, found)
        return found

    def __repr__(self) -> str:
        return repr(re.compile(*self._args))


def compiled(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """re.compile(pattern, flags), done at the pattern's first use."""
    return cast("re.Pattern[AnyStr]", _Later(pattern, flags))
