"""Django's PostgreSQL backend, with a health check that needs no round trip when it can.

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` before its first query
in each request, so that one the server closed (a restart, a failover,
``pg_terminate_backend``) is opened again instead of failing that request with a 503. That is a
round trip on every request. But a server that ends a connection tells the client: it sends its
last message and closes the socket, which then has something to read. An idle connection in
autocommit has nothing to read; so when the socket is quiet and no transaction is open, it is
usable, and only when something waits on it does ``SELECT 1`` decide (a notice, say, leaves it
usable). A peer that vanished without a word is not seen by either check until a query waits
on it: that is the network's timeout's business, as before.

And ``prepared_cursor()``: a cursor whose statements PostgreSQL parses and plans once per
connection (a named prepared statement, bound server-side), for the few statements that run on
almost every request with new values each time (``kneeapp.prepared``: the signed-in user, the
triage insert, the diary history's page). PostgreSQL's own CPU for the signed-in user's query
falls from ~250 µs to ~80 µs (bench/RESULTS.md, 2026-12-04). Every other statement keeps
Django's client-side binding. A connection pooler in transaction mode that cannot carry
prepared statements (PgBouncer before 1.21) wants ``DATABASE_PREPARED_STATEMENTS=false``.

``ENGINE = "kneeapp.postgresql"`` (kneeapp/settings.py, for ``postgres://`` URLs).
"""

import select

from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import pq

# The name ``create_cursor`` is given for a preparing cursor (Django's names a server-side one).
PREPARING = object()
NEVER_UNASKED = 2**62


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-side binding cursor, preparing every statement it executes."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    @async_unsafe
    def prepared_cursor(self):
        """Like ``cursor()`` (the same wrappers: errors, query logging, execute wrappers), for
        statements worth preparing; ``cursor()`` itself when they are turned off."""
        return self._cursor(PREPARING) if self.prepares_statements else self.cursor()

    @property
    def prepares_statements(self) -> bool:
        return self.settings_dict.get("PREPARED_STATEMENTS", True)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if connection.prepare_threshold is None and self.prepares_statements:
            # psycopg prepares nothing while this is None (Django's default), not even what
            # asks to be; this large, nothing is prepared unasked (client-side binding, the
            # rest of Django's statements, never is).
            connection.prepare_threshold = NEVER_UNASKED
        return connection

    def create_cursor(self, name=None):
        if name is not PREPARING:
            return super().create_cursor(name)
        cursor = PreparingCursor(self.connection)
        # As Django's create_cursor: the cursor's time zone, if the connection's differs.
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, pq.Format.TEXT)
        if self.timezone != loader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return cursor

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            waiting = select.poll()
            waiting.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            quiet = not waiting.poll(0)  # hang-ups and errors are reported here too
        except (AttributeError, OSError, ValueError):  # no poll() here, or no socket
            return super().is_usable()
        return quiet or super().is_usable()
