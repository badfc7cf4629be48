"""Sessions with their cache away: a real redis-server of the test's own, stopped or paused.

Sessions live in Redis with the database behind them (kneeapp/sessions.py). With Redis
away, people stay signed in, sign in and sign out, from the database alone; a sign-out made
then stays a sign-out when Redis comes back still holding the old copy of the session.
"""

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from kneeapp.sessions import session_cache
from tests.conftest import PASSWORD, make_person


@pytest.fixture
def redis_sessions(private_redis, settings):
    """The session cache on the test's own Redis, with this process's view of it fresh."""
    private_redis.start()
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "kneeapp",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    with override_settings(CACHES=caches):
        fresh_view()
        yield private_redis
        fresh_view()


def fresh_view():
    """This process forgets that it saw the cache away: as another worker that did not."""
    session_cache.away_until = 0.0
    session_cache.missed.clear()


def signed_in_client(email: str) -> Client:
    make_person(email)
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("profile"))
    return response.status_code == 200


def cached_copy(server, session_key: str):
    """The session's copy in Redis itself, asked past the app."""
    key = cache.make_key("django.contrib.sessions.cached_db" + session_key)
    return redis.Redis.from_url(server.url).get(key)


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_people_stay_signed_in_sign_in_and_sign_out(redis_sessions):
    before = signed_in_client("before@test.example")
    assert is_signed_in(before)
    assert cached_copy(redis_sessions, before.cookies["sessionid"].value)  # the cache is used

    redis_sessions.kill()

    assert is_signed_in(before)  # from the database
    during = signed_in_client("during@test.example")
    assert is_signed_in(during)
    assert during.post(reverse("logout")).status_code == 302
    assert not is_signed_in(during)

    redis_sessions.start()  # empty: this server keeps nothing on disk
    fresh_view()
    assert is_signed_in(before)


@pytest.mark.django_db(transaction=True)
def test_a_sign_out_made_while_redis_is_away_stays_a_sign_out_when_it_returns(redis_sessions):
    client = signed_in_client("patient@test.example")
    assert is_signed_in(client)
    stolen = client.cookies["sessionid"].value

    redis_sessions.pause()  # it keeps the copy, and answers nothing
    assert client.post(reverse("logout")).status_code == 302
    redis_sessions.resume()

    # Redis still holds the signed-in copy (the sign-out could not delete it), and a worker
    # that never saw Redis away reads the cache first: the copy signs no one in.
    assert cached_copy(redis_sessions, stolen)
    fresh_view()
    assert cache.get("django.contrib.sessions.cached_db" + stolen)[SESSION_KEY]
    later = Client()
    later.cookies["sessionid"] = stolen
    assert not is_signed_in(later)
