"""Durations as operators type them on the command line: `30d`, `12h`, `90m`, `2w`, `45s`."""

from __future__ import annotations

import re
from datetime import timedelta

from buddy.errors import InvalidInputError

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(text: str) -> timedelta:
    """A whole number and one unit (s, m, h, d or w) as a timedelta."""
    match = re.fullmatch(r"\s*(\d{1,7})\s*([smhdw])\s*", text.lower())
    if not match:
        raise InvalidInputError(f"'{text}' is not a duration such as 30d, 12h, 90m or 2w")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
