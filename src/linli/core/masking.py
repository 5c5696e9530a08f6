"""Masking of personal data (names, phone and ID numbers) for roles that do not need it.

`operator_contact` is the one serializer of an operator's contact person: the API, the pages and the
registry export all show what it returns, and the import recognises its masked values."""

from __future__ import annotations

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
