"""Masking of personal data (names, phone and ID numbers) for roles that do not need it, and finding it in
free text that is about to be published (`personal_data_in`).

`operator_contact` is the one serializer of an operator's contact person: the API, the pages and the
registry export all show what it returns, and the import recognises its masked values."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# The personal data of an operator: its contact person's name and phone.
OPERATOR_CONTACT_FIELDS = ("contact_name", "contact_phone")


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """张**: the first character stays, every other one is a star (a one-character name becomes 张*)."""
    value = name.strip()
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_id_number(id_number: str) -> str:
    """110101********123X: the region (6) and the last four characters stay, the birth date is hidden."""
    value = id_number.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def is_masked(value: str) -> bool:
    """A masked value (138****1111, 张**) rather than a real one."""
    return "*" in value


def operator_contact(operator: Any, *, visible: bool) -> dict[str, str]:
    """The operator's contact person and phone, both masked unless `visible` (the viewer holds
    `Perm.OPERATOR_CONTACT_VIEW`). `operator` is an `Operator` or None (then both are blank)."""
    name = (getattr(operator, "contact_name", "") or "") if operator is not None else ""
    phone = (getattr(operator, "contact_phone", "") or "") if operator is not None else ""
    if visible:
        return {"contact_name": name, "contact_phone": phone}
    return {"contact_name": mask_name(name), "contact_phone": mask_phone(phone)}


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
