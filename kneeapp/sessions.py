"""Sessions kept in the cache (Redis in production) with the database behind them, each row
tied to its user.

``SESSION_ENGINE = "kneeapp.sessions"``. Knowing whose a session is lets deleting an account
take every session of it along (``UserSession.user`` cascades), on every device. A signed-in
request reads its session from the cache and makes one query, for the user (and their
consent, ``kneeapp.consent.with_consent``), joined with the check that the session's row
still stands: a copy in the cache never signs anyone in on its own.

The cache may be away. Every call to it is guarded (``SessionCache``): a failure is logged,
the database answers alone, and this process leaves the cache alone for ``RETRY_AFTER``
seconds instead of waiting for it on every request. When the cache answers again, the
process first deletes the copies it could not update meanwhile. A sign-out made while
Redis was down deletes the database row, so the old copy that Redis may still hold when it
returns signs no one in: the join finds no row.
"""

import contextvars
import logging
import threading
import time

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

log = logging.getLogger(__name__)

# How long a process leaves the cache alone after it failed to answer.
RETRY_AFTER = 5.0

# The session key whose row must still stand for the user being fetched now (set only while
# ``session_user`` fetches; the authentication backend reads it).
standing_session = contextvars.ContextVar("standing_session", default=None)


def user_id_of(data: dict) -> int | None:
    try:
        return int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


class SessionCache:
    """This process's calls to the session cache: each guarded, none waited for while it is
    known to be away, and what it missed put right when it is back."""

    def __init__(self):
        self.away_until = 0.0
        self.missed: set[str] = set()  # keys whose copy in the cache may be out of date
        self.lock = threading.Lock()

    def call(self, cache, operation: str, key: str, *args):
        """``cache.operation(key, *args)``: (True, its answer), or (False, None) if the cache
        is away (then ``key`` is remembered as missed)."""
        if time.monotonic() < self.away_until:
            self.miss(key)
            return False, None
        try:
            self.put_right(cache)
            return True, getattr(cache, operation)(key, *args)
        except Exception as error:  # any failure of the cache: the database answers alone
            with self.lock:
                self.away_until = time.monotonic() + RETRY_AFTER
            self.miss(key)
            log.warning("session cache unreachable (%s): the database answers alone", error)
            return False, None

    def miss(self, key: str) -> None:
        with self.lock:
            self.missed.add(key)

    def put_right(self, cache) -> None:
        if not self.missed:
            return
        with self.lock:
            keys, self.missed = self.missed, set()
        try:
            cache.delete_many(keys)
        except Exception:
            with self.lock:
                self.missed |= keys
            raise


session_cache = SessionCache()


class SessionStore(CachedDatabaseStore):
    @classmethod
    def get_model_class(cls):
        from kneeapp.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = user_id_of(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_id = user_id_of(data)
        return session

    def load(self):
        answered, data = session_cache.call(self._cache, "get", self.cache_key)
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        if answered:
            expiry = self.get_expiry_age(expiry=row.expire_date)
            session_cache.call(self._cache, "set", self.cache_key, data, expiry)
        return data

    def exists(self, session_key):
        return DatabaseStore.exists(self, session_key)  # the database is the authority

    def save(self, must_create=False):
        DatabaseStore.save(self, must_create)
        session_cache.call(self._cache, "set", self.cache_key, self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DatabaseStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            session_cache.call(self._cache, "delete", self.cache_key_prefix + session_key)


def session_user(request):
    """``auth.get_user``, with the user's row fetched only if this session's row still stands
    (``ThrottledModelBackend.get_user`` reads ``standing_session``)."""
    if not hasattr(request, "_cached_user"):
        token = standing_session.set(request.session.session_key or "")
        try:
            request._cached_user = auth.get_user(request)
        finally:
            standing_session.reset(token)
    return request._cached_user


def standing(users, session_key: str, now=None):
    """``users`` that own the session row ``session_key``, unexpired at ``now``."""
    now = timezone.now() if now is None else now
    return users.filter(sessions__session_key=session_key, sessions__expire_date__gt=now)


class SessionUserMiddleware(AuthenticationMiddleware):
    """Django's authentication middleware, with the user fetched by ``session_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: session_user(request))
