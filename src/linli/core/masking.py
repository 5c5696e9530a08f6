"""Masking of personal data (phone and ID numbers) for roles that do not need it, and finding it in free text
that is about to be published."""

from __future__ import annotations

import re
import unicodedata


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    """110101********123X: the region (6) and the last four characters stay, the birth date is hidden."""
    value = id_number.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# Personal data in free text (what may never be published) ----------------------------------------------

# Digits split by spaces or dashes ("139 1234 5678", "0571-8888 1234") are joined before matching.
_SPLIT_DIGITS = re.compile(r"(?<=\d)[\s\-–—.]+(?=\d)")
_PHONE = re.compile(r"(?<!\d)(?:(?:\+?86)?1[3-9]\d{9}|0\d{9,11})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
_HONORIFICS = ("先生", "女士", "小姐", "阿姨", "大爷", "大妈", "奶奶", "爷爷", "老师", "同志")


def personal_data_in(value: str, *, names: tuple[str, ...] = ()) -> list[str]:
    """The kinds of personal data found in `value`: "phone" (a mobile or landline number), "id_number" (a
    15- or 18-digit resident ID) and "name" (one of `names`: a person's name as written, or for a Chinese
    name their surname with an honorific such as 张先生). Full-width digits count as digits."""
    normal = unicodedata.normalize("NFKC", value)
    joined = _SPLIT_DIGITS.sub("", normal)
    found = []
    if _PHONE.search(joined):
        found.append("phone")
    if _ID_NUMBER.search(joined):
        found.append("id_number")
    lowered = normal.casefold()
    for name in (n.strip() for n in names):
        if not name:
            continue
        if name.isascii():
            hit = len(name) >= 3 and re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", lowered) is not None
        else:
            hit = len(name) >= 2 and (
                name in normal or (2 <= len(name) <= 4 and any(name[0] + h in normal for h in _HONORIFICS))
            )
        if hit:
            found.append("name")
            break
    return found
