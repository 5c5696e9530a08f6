"""The 12-digit statistical division code: province 2 digits, city 2, county 2, town 3, village 3.

A code's level is the last non-zero segment; its parent is the code with that segment zeroed; the prefix
that selects its whole subtree is the code up to and including that segment.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from linli.areas.enums import AreaLevel

SEGMENTS: tuple[tuple[AreaLevel, int, int], ...] = (
    (AreaLevel.PROVINCE, 0, 2),
    (AreaLevel.CITY, 2, 4),
    (AreaLevel.COUNTY, 4, 6),
    (AreaLevel.TOWN, 6, 9),
    (AreaLevel.VILLAGE, 9, 12),
)
LEVEL_DEPTH = {level: i for i, (level, _, _) in enumerate(SEGMENTS)}
_CODE_RE = re.compile(r"^[0-9]{12}$")


class CodeError(ValueError):
    pass


def check_code(code: str) -> str:
    """Return `code` if it is a well-formed 12-digit code, else raise CodeError saying what is wrong."""
    if not _CODE_RE.match(code):
        raise CodeError(_("must be exactly 12 digits"))
    seen_zero = False
    for _level, start, end in SEGMENTS:
        segment = code[start:end]
        if int(segment) == 0:
            seen_zero = True
        elif seen_zero:
            raise CodeError(_("a lower segment is set while a higher one is zero"))
    if int(code[:2]) == 0:
        raise CodeError(_("the province segment is zero"))
    return code


def level_of(code: str) -> AreaLevel:
    level = AreaLevel.PROVINCE
    for seg_level, start, end in SEGMENTS:
        if int(code[start:end]) != 0:
            level = seg_level
    return level


def prefix_of(code: str) -> str:
    """The significant digits: every area in the subtree of `code` starts with them."""
    level = level_of(code)
    return code[: SEGMENTS[LEVEL_DEPTH[level]][2]]


def parent_code_of(code: str) -> str | None:
    level = level_of(code)
    if level == AreaLevel.PROVINCE:
        return None
    _lvl, start, _end = SEGMENTS[LEVEL_DEPTH[level]]
    return code[:start] + "0" * (12 - start)


def child_level(level: AreaLevel) -> AreaLevel | None:
    depth = LEVEL_DEPTH[level]
    return SEGMENTS[depth + 1][0] if depth + 1 < len(SEGMENTS) else None
