"""Hand-written SQL for the few hot paths (API token authentication, registering for and cancelling an
activity), with model instances built from its rows exactly as the ORM builds them.

On those paths the ORM spent more CPU building and compiling each statement than PostgreSQL spent running
it (profile in docs/benchmarks.md, "Registration load"), so their statements are written once as SQL. Two
helpers keep that SQL tied to the models instead of to copied column lists:

- `Columns`: a model's columns under a table alias for a SELECT list, and the instance built from those
  values with the database's converters applied (SQLite's datetimes made aware, JSON decoded ...), as
  `QuerySet` iteration would;
- `insert`: one new instance written with the values `Model.save` would write (auto-now fields, defaults),
  its primary key set from the database.

Everything else in linli uses the ORM; use these only where a profile shows the ORM's own cost matters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns(Generic[M]):
    """The concrete columns of `model` under the table alias `alias`; with `only`, just the primary key
    and those fields (the others are deferred on the instance, loaded on first access, as with
    `QuerySet.only`)."""

    def __init__(self, model: type[M], alias: str, only: Sequence[str] = ()) -> None:
        self.model = model
        self.alias = alias
        fields = list(model._meta.concrete_fields)
        if only:
            unknown = set(only) - {f.name for f in fields}
            if unknown:
                raise ValueError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
            fields = [f for f in fields if f.primary_key or f.name in only]
        self.fields = tuple(fields)
        self.attnames = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[int, Any, list[Converter]]]] = {}
        self._select: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def select(self, connection: BaseDatabaseWrapper) -> str:
        """`alias.column, ...` for a SELECT list, in field order."""
        text = self._select.get(connection.vendor)
        if text is None:
            quote = connection.ops.quote_name
            text = ", ".join(f"{self.alias}.{quote(_column(f))}" for f in self.fields)
            self._select[connection.vendor] = text
        return text

    def build(self, values: Sequence[Any], connection: BaseDatabaseWrapper) -> M:
        """The instance of the model from one row's values for `select()` (in that order)."""
        row = list(values)
        for i, expression, functions in self._converters_for(connection):
            for convert in functions:
                row[i] = convert(row[i], expression, connection)
        return self.model.from_db(connection.alias, self.attnames, row)

    def _converters_for(self, connection: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Converter]]]:
        # What SQLCompiler.get_converters does for a column: the backend's converters, then the field's.
        known = self._converters.get(connection.alias)
        if known is None:
            known = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if functions:
                    known.append((i, col, functions))
            self._converters[connection.alias] = known
        return known


def _column(field: models.Field[Any, Any]) -> str:
    if field.column is None:  # only fields without a column of their own, never concrete ones
        raise ValueError(f"{field} has no column")
    return field.column


def split(row: Sequence[Any], *parts: Columns[Any] | int) -> list[Sequence[Any]]:
    """Cut one row into consecutive pieces: a `Columns` takes its number of columns, an int that many."""
    pieces, at = [], 0
    for part in parts:
        size = part if isinstance(part, int) else len(part)
        pieces.append(row[at : at + size])
        at += size
    if at != len(row):
        raise ValueError(f"row has {len(row)} values, the parts {at}")
    return pieces


def insert(obj: models.Model, connection: BaseDatabaseWrapper) -> None:
    """INSERT `obj` (new, primary key unset) with the values `Model.save` would write, and set its key.
    No signals are sent (linli uses none)."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    if not connection.features.can_return_columns_from_insert:  # PostgreSQL and SQLite >= 3.35 can
        raise NotImplementedError(f"{connection.vendor} cannot return the new row's key from an INSERT")
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(_column(f)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(_column(meta.pk))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
