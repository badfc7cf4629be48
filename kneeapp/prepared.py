"""A model query the ORM compiles once per database connection, then run with new values.

Building and compiling a query with the ORM costs more CPU than the database takes to answer
it: for the signed-in user (``ThrottledModelBackend.get_user``: the user, their consent and
the check that the session's row still stands), about two thirds of what being signed in
cost a request. The query's SQL is the same on every request; only its values change. So
the ORM builds it once with stand-in values, the positions of those values among the
parameters are noted, and each request fills in its own: the same SQL, the same parameters,
the same rows, through the same cursor (counted by ``assertNumQueries`` like any query).

Kept on the connection wrapper, which is per thread and per database alias: a compiled
query and its converters are tied to their connection's backend.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Field, Model, QuerySet


@dataclass(frozen=True)
class Stand:
    """A stand-in value for one parameter, and the field that turns a real value into the
    database's form (as the lookup does)."""

    value: object
    field: Field


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


class PreparedQuery:
    """``build(**values)``, compiled once per connection and ``key()``: ``first(**values)``
    is what ``build(**values).first()`` would answer (a query of at most one row, in any
    order), or with ``many`` ``all(**values)`` what ``list(build(**values))`` would (every
    row, in the queryset's own order). A stand-in may stand in more than one place."""

    def __init__(self, name: str, model: type[Model], build: Callable[..., QuerySet],
                 stands: dict[str, Stand], key: Callable[[], object] = lambda: None,
                 many: bool = False):  # fmt: skip
        self.attribute = f"_kneeapp_prepared_{name}"
        self.model, self.build, self.stands, self.key = model, build, stands, key
        self.many = many

    def first(self, **values):
        found = self.rows(values)
        if found is None:  # a query whose stand-ins could not be found: the ORM's way
            return self.build(**values).first()
        return found[0] if found else None

    def all(self, **values) -> list:
        found = self.rows(values)
        return list(self.build(**values)) if found is None else found

    def rows(self, values: dict) -> list | None:
        """The instances the compiled query answers with ``values``; None without one."""
        db = router.db_for_read(self.model)
        connection = connections[db]
        compiled = self.compiled(db, connection)
        if compiled is None:
            return None
        params = list(compiled.params)
        for name, positions in compiled.positions.items():
            value = self.stands[name].field.get_db_prep_value(
                values[name], connection, prepared=False
            )
            for position in positions:
                params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        fields = len(compiled.attnames)
        instances = []
        for row in rows:
            instance = compiled.model.from_db(db, compiled.attnames, row[:fields])
            for annotation, column in compiled.annotations.items():
                setattr(instance, annotation, row[column])
            instances.append(instance)
        return instances

    def compiled(self, db: str, connection) -> Compiled | None:
        key = self.key()
        cached = getattr(connection, self.attribute, None)
        if cached is not None and cached[0] == key:
            return cached[1]
        compiled = self.compile(db, connection)
        setattr(connection, self.attribute, (key, compiled))
        return compiled

    def compile(self, db: str, connection) -> Compiled | None:
        stand_ins = {name: stand.value for name, stand in self.stands.items()}
        queryset = self.build(**stand_ins).using(db)
        if not self.many:
            queryset = queryset.order_by()[:1]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = {}
        for name, stand in self.stands.items():
            prepared = stand.field.get_db_prep_value(stand.value, connection, prepared=False)
            found = [n for n, param in enumerate(params) if param == prepared]
            if not found:
                return None
            positions[name] = found
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
