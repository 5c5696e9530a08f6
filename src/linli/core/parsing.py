"""Turning raw input (form fields, JSON values, spreadsheet cells) into typed values, adding a clear
problem to a `RowErrors` when a value is not what the field needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import RowErrors


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def count(value: Any, row: int, field: str, errors: RowErrors) -> int | None:
    if blank(value):
        return None
    try:
        number = float(str(value).replace(",", "")) if not isinstance(value, int | float) else float(value)
    except ValueError:
        errors.add(row, field, _("not a number"), value)
        return None
    if not number.is_integer() or number < 0:
        errors.add(row, field, _("must be a whole number of at least 0"), value)
        return None
    return int(number)


def date_value(value: Any, row: int, field: str, errors: RowErrors) -> dt.date | None:
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(row, field, _("not a date (YYYY-MM-DD)"), value)
        return None


def boolean(value: Any, row: int, field: str, errors: RowErrors) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"1", "true", "yes", "y", "是"}:
        return True
    if word in {"0", "false", "no", "n", "否"}:
        return False
    errors.add(row, field, _("must be yes/是 or no/否"), value)
    return None


def choice(value: Any, choices: type[Any], row: int, field: str, errors: RowErrors) -> str | None:
    """A TextChoices value, given as the value itself or as its label (Chinese or English)."""
    given = text(value)
    if not given:
        return None
    for option in choices:
        if given.lower() in choice_names(option):
            return str(option.value)
    errors.add(row, field, _("unknown value; one of: %(values)s") % {"values": ", ".join(choices.values)}, given)
    return None


def choice_names(option: Any) -> set[str]:
    """Every way a choice may be written: its value, its label, and the English and Chinese halves of a
    label like "publicly built, privately operated (公建民营)"."""
    label = str(option.label)
    names = {str(option.value).lower(), label.lower()}
    if label.endswith(")") and " (" in label:
        english, chinese = label[:-1].split(" (", 1)
        names |= {english.lower(), chinese}
    return names
