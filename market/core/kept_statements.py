"""A read the ORM builds, compiled to SQL once per process and run with each call's values.

Why: a signed-in page reads its session and its visitor (the user with their memberships, organisations and unread
bell) on every request, and the ORM built and compiled those two statements afresh each time: ~3 ms of the web
process's CPU per request (the visitor's 60 columns, three joins and a subquery), for SQL text that differs only in
the session key, the user id and the clock. Here the queryset is built once with stand-in values, compiled, and the
positions of the stand-ins among its parameters noted; a call sends the same text with its own values in those
places, through Django's cursor (query counts and execute wrappers see it as any other).

The queryset stays the definition: on a database other than PostgreSQL (the zero-setup SQLite) each call builds
and runs it through the ORM, as before. It must be a `values_list()` of columns that need no conversion from the
database on PostgreSQL (checked when compiled): the caller makes model instances of the rows (`Model.from_db`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

# A column's conversions from the database as the compiler lists them: (position, (converters, expression)).
Converters = tuple[tuple[int, tuple[list[Callable[..., Any]], Any]], ...]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position among the parameters, the name of the value that goes there)
    converters: Converters


class KeptStatement:
    """`build(**values)` is a values_list() queryset; `stand_ins` a value per name that no call passes and that the
    compiled parameters hold as given (an int, a datetime or a string of its own)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **stand_ins: object) -> None:
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def rows(self, **values: object) -> list[tuple[Any, ...]]:
        """The rows of `build(**values)`."""
        if connection.vendor != "postgresql":
            return list(self._build(**values))
        compiled = self._compiled or self._compile()
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return [_converted(row, compiled.converters) for row in rows] if compiled.converters else rows

    def _compile(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                self._compiled = compile_with_stand_ins(self._build(**self._stand_ins), self._stand_ins)
            return self._compiled


def compile_with_stand_ins(queryset: QuerySet[Any], stand_ins: Mapping[str, object]) -> _Compiled:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    converters = tuple(compiler.get_converters([column for column, _sql, _alias in compiler.select]).items())
    slots = tuple(
        (position, name)
        for position, param in enumerate(params)
        for name, stand_in in stand_ins.items()
        if type(param) is type(stand_in) and param == stand_in
    )
    missing = set(stand_ins) - {name for _position, name in slots}
    if missing:
        raise ValueError(f"stand-ins not found among the compiled parameters: {sorted(missing)}")
    return _Compiled(sql=sql, params=tuple(params), slots=slots, converters=converters)


def _converted(row: tuple[Any, ...], converters: Converters) -> tuple[Any, ...]:
    """`row` with each column converted as the ORM converts it (SQLCompiler.apply_converters)."""
    values = list(row)
    for position, (functions, expression) in converters:
        for function in functions:
            values[position] = function(values[position], expression, connection)
    return tuple(values)
