"""A model query the ORM compiles once per database connection, then run with new values.

Building and compiling a query with the ORM costs more CPU than the database takes to answer
it: for the signed-in user (``ThrottledModelBackend.get_user``: the user, their consent and
the check that the session's row still stands), about two thirds of what being signed in
cost a request. The query's SQL is the same on every request; only its values change. So
the ORM builds it once with stand-in values, the positions of those values among the
parameters are noted, and each request fills in its own: the same SQL, the same parameters,
the same rows, through the same cursor (counted by ``assertNumQueries`` like any query).

Two kinds: ``PreparedQuery`` answers one model instance (``first``); ``PreparedRows`` answers
rows of values, all of them or a window of the ordered rows (a page of the diary history and
its count, on every visit to it). Beside them, ``PreparedInsert`` writes a new row with an
INSERT compiled once (a triage assessment, on every check).

Kept on the connection wrapper, which is per thread and per database alias: a compiled
query and its converters are tied to their connection's backend. On PostgreSQL they also run
as prepared statements (``prepared_cursor``): the database parses and plans each once per
connection too.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Field, Model, QuerySet, signals, sql


def prepared_cursor(connection):
    """A cursor whose statements the database prepares once per connection, where the backend
    offers one (kneeapp.postgresql); else the usual one."""
    return getattr(connection, "prepared_cursor", connection.cursor)()


@dataclass(frozen=True)
class Stand:
    """A stand-in value for one parameter, and the field that turns a real value into the
    database's form (as the lookup does)."""

    value: object
    field: Field


def with_stand_ins(queryset: QuerySet, stands: dict[str, Stand], connection):
    """The compiler of ``queryset`` (built with the stand-in values), its SQL and parameters,
    and each stand-in's positions among them (a value may stand in more than one place, as
    a day both ends of a range are compared with); None when a stand-in is not found."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    params = list(params)
    positions = {}
    for name, stand in stands.items():
        prepared = stand.field.get_db_prep_value(stand.value, connection, prepared=False)
        found = [n for n, param in enumerate(params) if param == prepared]
        if not found:
            return None
        positions[name] = found
    return compiler, sql, params, positions


def filled(params: list, positions: dict[str, list[int]], stands: dict, values: dict, connection):
    """``params`` with each stand-in replaced by its real value, as the lookup prepares it."""
    params = list(params)
    for name, places in positions.items():
        value = stands[name].field.get_db_prep_value(values[name], connection, prepared=False)
        for position in places:
            params[position] = value
    return params


class Prepared:
    """What both kinds share: the compiled form kept on the connection, per ``key()``."""

    def __init__(self, name: str, model: type[Model], build: Callable[..., QuerySet],
                 stands: dict[str, Stand], key: Callable[[], object] = lambda: None,
                 many: bool = False):  # fmt: skip
        self.attribute = f"_kneeapp_prepared_{name}"
        self.model, self.build, self.stands, self.key = model, build, stands, key
        self.many = many  # PreparedQuery: every row, in the queryset's own order

    def connection(self):
        db = router.db_for_read(self.model)
        return db, connections[db]

    def compiled(self, db: str, connection):
        key = self.key()
        cached = getattr(connection, self.attribute, None)
        if cached is not None and cached[0] == key:
            return cached[1]
        compiled = self.compile(db, connection)
        setattr(connection, self.attribute, (key, compiled))
        return compiled

    def compile(self, db: str, connection):
        raise NotImplementedError


@dataclass
class Compiled:
    sql: str
    params: list
    positions: dict[str, list[int]]  # stand-in name -> its indexes in params
    model: type[Model]
    attnames: list[str]
    annotations: dict[str, int]  # annotation -> its column
    compiler: object
    converters: dict


class PreparedQuery(Prepared):
    """``build(**values)``, compiled once per connection and ``key()``: ``first(**values)``
    is what ``build(**values).first()`` would answer (a query of at most one row, in any
    order), or with ``many`` ``all(**values)`` what ``list(build(**values))`` would (model
    instances, every row, in the queryset's own order)."""

    def first(self, **values):
        found = self.instances(values)
        if found is None:  # a query whose stand-ins could not be found: the ORM's way
            return self.build(**values).first()
        return found[0] if found else None

    def all(self, **values) -> list:
        found = self.instances(values)
        return list(self.build(**values)) if found is None else found

    def instances(self, values: dict) -> list | None:
        """What the compiled query answers with ``values``; None without one."""
        db, connection = self.connection()
        compiled = self.compiled(db, connection)
        if compiled is None:
            return None
        params = filled(compiled.params, compiled.positions, self.stands, values, connection)
        with prepared_cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        fields = len(compiled.attnames)
        found = []
        for row in rows:
            instance = compiled.model.from_db(db, compiled.attnames, row[:fields])
            for annotation, column in compiled.annotations.items():
                setattr(instance, annotation, row[column])
            found.append(instance)
        return found

    def compile(self, db: str, connection) -> Compiled | None:
        stand_ins = {name: stand.value for name, stand in self.stands.items()}
        queryset = self.build(**stand_ins).using(db)
        if not self.many:
            queryset = queryset.order_by()[:1]
        found = with_stand_ins(queryset, self.stands, connection)
        if found is None:
            return None
        compiler, sql, params, positions = found
        info = compiler.klass_info
        if info is None or info["model"] is not self.model or info.get("related_klass_infos"):
            return None
        columns = [compiler.select[n][0] for n in info["select_fields"]]
        if info["select_fields"] != list(range(len(columns))):
            return None
        return Compiled(
            sql=sql,
            params=params,
            positions=positions,
            model=info["model"],
            attnames=[column.target.attname for column in columns],
            annotations=dict(compiler.annotation_col_map),
            compiler=compiler,
            converters=compiler.get_converters([item[0] for item in compiler.select]),
        )


@dataclass
class CompiledRows:
    sql: str  # without a window (LIMIT and OFFSET are added per call)
    params: list
    positions: dict[str, list[int]]
    compiler: object
    converters: dict


class PreparedRows(Prepared):
    """``build(**values)`` (a ``values_list()`` queryset of ``model``, in its own order and
    never sliced), compiled once per connection and ``key()``; ``rows(**values)`` is what
    ``list(build(**values))`` would answer, and ``rows(start, stop, **values)`` what
    ``list(build(**values)[start:stop])`` would, each row a sequence of values."""

    def rows(self, start: int = 0, stop: int | None = None, **values) -> list:
        db, connection = self.connection()
        compiled = self.compiled(db, connection)
        if compiled is None:  # a query whose stand-ins could not be found: the ORM's way
            return list(self.build(**values)[start:stop])
        sql = compiled.sql
        if start or stop is not None:
            sql = f"{sql} {connection.ops.limit_offset_sql(start, stop)}"
        params = filled(compiled.params, compiled.positions, self.stands, values, connection)
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            return list(compiled.compiler.apply_converters(rows, compiled.converters))
        return rows

    def compile(self, db: str, connection) -> CompiledRows | None:
        stand_ins = {name: stand.value for name, stand in self.stands.items()}
        queryset = self.build(**stand_ins).using(db)
        if queryset.query.is_sliced or queryset.model is not self.model:
            return None
        found = with_stand_ins(queryset, self.stands, connection)
        if found is None:
            return None
        compiler, sql, params, positions = found
        return CompiledRows(
            sql=sql,
            params=params,
            positions=positions,
            compiler=compiler,
            converters=compiler.get_converters([item[0] for item in compiler.select]),
        )


class PreparedInsert:
    """``insert(instance, using)``: what ``instance.save(force_insert=True, using=using)``
    does for a new row whose primary key is already set (made by the client), with the
    INSERT's SQL built and compiled once per connection instead of on every save.

    Saving through the ORM builds an insert query, compiles it and runs the model's save
    machinery on every call: a third of the triage API's own CPU per request, of which this
    spares about a third (bench/RESULTS.md, 2026-12-03 17:55). The
    statement is the same every time; only the values change, and they are prepared as the
    ORM prepares them (each field's ``pre_save``, e.g. ``auto_now_add``, then
    ``get_db_prep_save``). What this cannot do the same way goes through ``save()``: a model
    with ``pre_save``/``post_save`` receivers, columns the database returns, a primary key
    not set, a value that is an expression, an SQL with other placeholders than one per field.
    """

    def __init__(self, model: type[Model]):
        self.model = model
        self.attribute = f"_kneeapp_prepared_insert_{model._meta.label_lower}"

    def insert(self, instance: Model, using: str) -> None:
        meta = self.model._meta
        if (
            instance.pk is None
            or meta.db_returning_fields
            or signals.pre_save.has_listeners(self.model)
            or signals.post_save.has_listeners(self.model)
        ):
            instance.save(force_insert=True, using=using)
            return
        connection = connections[using]
        statement = self.statement(connection, using, instance)
        fields = meta.local_concrete_fields
        values = [field.pre_save(instance, add=True) for field in fields]
        if statement is None or any(hasattr(value, "resolve_expression") for value in values):
            instance.save(force_insert=True, using=using)
            return
        params = [
            field.get_db_prep_save(value, connection=connection)
            for field, value in zip(fields, values, strict=True)
        ]
        with prepared_cursor(connection) as cursor:
            cursor.execute(statement, params)
        instance._state.adding = False
        instance._state.db = using

    def statement(self, connection, using: str, instance: Model) -> str | None:
        """The INSERT's SQL with one ``%s`` per field, as the ORM compiles it for ``instance``
        (None when it has any other shape); kept on the connection."""
        cached = getattr(connection, self.attribute, False)
        if cached is not False:
            return cached
        fields = self.model._meta.local_concrete_fields
        query = sql.InsertQuery(self.model)
        query.insert_values(fields, [instance])
        compiled = query.get_compiler(using=using).as_sql()
        statement = None
        if len(compiled) == 1:
            text, params = compiled[0]
            if text.count("%s") == len(fields) == len(params):
                statement = text
        setattr(connection, self.attribute, statement)
        return statement
