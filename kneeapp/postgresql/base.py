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

``ENGINE = "kneeapp.postgresql"`` (kneeapp/settings.py, for ``postgres://`` URLs).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
