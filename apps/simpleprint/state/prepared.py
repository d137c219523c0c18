"""Statements run for every event, with their SQL built once per connection.

Building a query costs Django more than running it: reading a printer with its current and last
job compiles some ninety columns, every time (bench/README.md, "cost": Django's query building
was close to half of the worker). :class:`PreparedGet` compiles a queryset once per database
connection and thread, then runs the same SQL with new values and makes the same instances as
the queryset would (``select_related`` rows included); :class:`Returning` makes instances from
a hand-written statement's rows (the inbox's claim, ``UPDATE … RETURNING``); :class:`Insert`
inserts a new row (the receiver's, for every delivery).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, connections, models, transaction
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=models.Model)

#: The value a queryset is built with to find where the real one goes among the SQL's
#: parameters; no SimplyPrint id is negative.
PLACEHOLDER = -73_400_199


#: Where a column's value is converted: its position, Django's converters, their expression.
Converters = list[tuple[int, list[Any], Any]]


def _converted(values: Any, converters: Converters, connection: Any) -> list[Any]:
    """A fetched row with each column converted as Django converts it (its converters)."""
    row = list(values)
    for position, functions, expression in converters:
        cell = row[position]
        for function in functions:
            cell = function(cell, expression, connection)
        row[position] = cell
    return row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slot: int
    converters: Converters
    model: type[models.Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]


class PreparedGet(Generic[M]):
    """The one row of ``rows()`` whose ``field`` equals a value (None when there is none).

    ``rows`` makes the queryset (with its ``select_related``, ``defer``, ``select_for_update``);
    it is filtered and compiled once per connection. A ``select_for_update`` read runs only
    inside a transaction, as Django requires."""

    def __init__(self, rows: Callable[[], models.QuerySet[M]], field: str) -> None:
        self._rows, self._field = rows, field
        self._for_update = rows().query.select_for_update
        self._local = threading.local()

    def get_or_create(self, value: int, defaults: dict[str, Any] | None = None,
                      ) -> tuple[M, bool]:
        """As ``rows().get_or_create(field=value, defaults=...)``: a row not found is created
        in a savepoint, as Django does; when another writer created it first, it is read."""
        found = self.get(value)
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                return self._rows().create(**{self._field: value, **(defaults or {})}), True
        except IntegrityError:
            found = self.get(value)
            if found is None:
                raise
            return found, False

    def get(self, value: int, using: str = "default") -> M | None:
        connection = connections[using]
        if self._for_update and not connection.in_atomic_block:
            raise RuntimeError("a row read for update outside a transaction")
        compiled = self._compiled(using, connection)
        params = list(compiled.params)
        params[compiled.slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchone()
        if fetched is None:
            return None
        row = _converted(fetched, compiled.converters, connection)
        instance = compiled.model.from_db(using, compiled.init_list,
                                          row[compiled.start:compiled.end])
        for populator in compiled.populators:
            populator.populate(row, instance)
        return instance  # type: ignore[return-value]

    def _compiled(self, using: str, connection: Any) -> _Compiled:
        cache: dict[int, _Compiled] = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(id(connection))
        if compiled is None:
            compiled = cache[id(connection)] = self._compile(using)
        return compiled

    def _compile(self, using: str) -> _Compiled:
        queryset = self._rows().filter(**{self._field: PLACEHOLDER}).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if list(params).count(PLACEHOLDER) != 1:
            raise ValueError("the prepared query must take its value exactly once")
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        converters = compiler.get_converters([column[0] for column in select[:compiler.col_count]])
        return _Compiled(
            sql=sql, params=tuple(params), slot=list(params).index(PLACEHOLDER),
            converters=[(position, functions, expression)
                        for position, (functions, expression) in converters.items()],
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start, end=end,
            populators=get_related_populators(klass_info, select, using))  # type: ignore[call-arg]


class Returning(Generic[M]):
    """Instances of a model made from a hand-written statement that returns all its columns
    in field order (``UPDATE … RETURNING``, :attr:`columns`), converted as Django converts
    them, with the converters found once per connection and thread."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._local = threading.local()

    def columns(self, using: str = "default") -> str:
        """The column list the statement returns."""
        quote = connections[using].ops.quote_name
        return ", ".join(quote(str(field.column)) for field in self.model._meta.concrete_fields)

    def run(self, sql: str, params: list[Any], using: str = "default") -> list[M]:
        connection = connections[using]
        converters = self._converters(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        names = [field.attname for field in self.model._meta.concrete_fields]
        found = []
        for values in fetched:
            found.append(self.model.from_db(using, names,
                                            _converted(values, converters, connection)))
        return found

    def _converters(self, connection: Any) -> Converters:
        cache: dict[int, Converters] = self._local.__dict__.setdefault(
            "converters", {})
        converters = cache.get(id(connection))
        if converters is None:
            converters = cache[id(connection)] = []
            table = self.model._meta.db_table
            for position, field in enumerate(self.model._meta.concrete_fields):
                column = field.get_col(table)
                functions = [*connection.ops.get_db_converters(column),
                             *field.get_db_converters(connection)]
                if functions:
                    converters.append((position, functions, column))
        return converters


class Insert(Generic[M]):
    """``INSERT`` of a new row with every concrete column but the primary key, which is
    returned (``RETURNING``), with the SQL built once per database: what ``Model.save()``
    runs for a new row without building it each time (the receiver's INSERT of every
    delivery). The values are prepared as Django prepares them (``pre_save`` with ``add``:
    ``auto_now_add`` times are taken here; ``get_db_prep_save``). No model signals are sent;
    what the model's ``save()`` does besides is the caller's to do first. Needs ``RETURNING``
    (SQLite ≥ 3.35, PostgreSQL: the project's databases) and fields that take a plain ``%s``."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self._sql: dict[str, str] = {}

    def sql(self, connection: Any) -> str:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            sql = self._sql[connection.vendor] = (
                f"INSERT INTO {quote(self.model._meta.db_table)} "
                f"({', '.join(quote(str(field.column)) for field in self.fields)}) "
                f"VALUES ({', '.join(['%s'] * len(self.fields))}) "
                f"RETURNING {quote(str(self.model._meta.pk.column))}")
        return sql

    def run(self, row: M, using: str = "default") -> M:
        connection = connections[using]
        values = [field.get_db_prep_save(field.pre_save(row, True), connection)
                  for field in self.fields]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(self.sql(connection), values)
            (pk,) = cursor.fetchone()
        row.pk = pk
        row._state.adding, row._state.db = False, using
        return row
