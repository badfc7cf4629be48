"""Issue #7, sessions and sign-in: throttling with a lockout that ends by itself, session
rotation, idle and absolute timeouts, and the password rules.

Time is moved, never waited for: the throttle's ``now`` argument, or the stored timestamps
shifted into the past. Cookies and headers of production are in test_csrf_and_headers.py.
"""

import base64
import datetime as dt
import time
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from kneeapp.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from kneeapp.models import LoginThrottle, UserSession
from kneeapp.signin import TOO_MANY_ATTEMPTS, client_address, sign_in_keys
from tests.conftest import PASSWORD
from tests.kneeapp.test_settings import manage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

LOCKED = str(TOO_MANY_ATTEMPTS)
WRONG = "not-the-password-at-all"


def sign_in(client, email, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": email, "password": password}, **extra)


def fail(client, email, times, **extra):
    return [sign_in(client, email, WRONG, **extra) for _ in range(times)][-1]


def signed_in(client) -> bool:
    return client.get(reverse("profile")).status_code == 200


def errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


def move_throttles_back(seconds: int) -> None:
    """As if ``seconds`` had passed since every attempt counted so far."""
    shift = dt.timedelta(seconds=seconds)
    LoginThrottle.objects.update(
        window_started_at=F("window_started_at") - shift,
        locked_until=F("locked_until") - shift,
        stale_after=F("stale_after") - shift,
    )


# Sign-in throttling


def test_too_many_wrong_passwords_lock_the_account_even_for_the_right_one(patient):
    client = Client()
    response = fail(client, patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT - 1)
    assert LOCKED not in errors(response)
    response = fail(client, patient.email, 1)
    assert errors(response) == [LOCKED]
    response = sign_in(client, patient.email, PASSWORD)
    assert response.status_code == 200 and errors(response) == [LOCKED]
    assert not signed_in(client)


def test_the_lockout_tells_nothing_about_whether_the_account_exists(patient):
    limit = settings.SIGN_IN_FAILURES_PER_ACCOUNT
    known = [errors(sign_in(Client(), patient.email, WRONG)) for _ in range(limit + 1)]
    unknown = [errors(sign_in(Client(), "nobody@test.example", WRONG)) for _ in range(limit + 1)]
    assert known == unknown
    assert known[-1] == [LOCKED] and known[0] != [LOCKED]


def test_the_lockout_ends_by_itself(patient):
    client = Client()
    fail(client, patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT)
    move_throttles_back(settings.THROTTLE_LOCKOUT - 60)
    assert errors(sign_in(client, patient.email, PASSWORD)) == [LOCKED]
    move_throttles_back(61)
    assert sign_in(client, patient.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_lockout_is_per_account_from_any_address(patient):
    fail(Client(), patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT, REMOTE_ADDR="192.0.2.1")
    response = sign_in(Client(), patient.email, PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert errors(response) == [LOCKED]


def test_a_successful_sign_in_clears_the_accounts_count(patient):
    client = Client()
    fail(client, patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT - 1)
    assert sign_in(client, patient.email, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    fail(client, patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT - 1)
    assert sign_in(client, patient.email, PASSWORD).status_code == 302


@override_settings(SIGN_IN_FAILURES_PER_ADDRESS=4)
def test_one_network_address_trying_many_accounts_is_locked(patient, other_patient):
    guesser = {"REMOTE_ADDR": "203.0.113.5"}
    for number in range(4):
        sign_in(Client(), f"someone-{number}@test.example", WRONG, **guesser)
    assert errors(sign_in(Client(), patient.email, PASSWORD, **guesser)) == [LOCKED]
    # Signing in to an account of one's own does not reset the address's count.
    assert errors(sign_in(Client(), other_patient.email, PASSWORD, **guesser)) == [LOCKED]
    # Someone else, elsewhere, signs in as usual.
    assert sign_in(Client(), patient.email, PASSWORD, REMOTE_ADDR="192.0.2.80").status_code == 302


def test_failures_spread_wider_than_the_window_never_lock(patient):
    keys = sign_in_keys(None, patient.email)
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    window = dt.timedelta(seconds=settings.THROTTLE_WINDOW)
    for attempt in range(3 * settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        moment = start + attempt * window / (settings.SIGN_IN_FAILURES_PER_ACCOUNT - 1)
        assert not LoginThrottle.objects.hit(keys, now=moment)


def test_a_lock_holds_for_the_lockout_and_counting_starts_afresh_after(patient):
    keys = sign_in_keys(None, patient.email)
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    lockout = dt.timedelta(seconds=settings.THROTTLE_LOCKOUT)
    limit = settings.SIGN_IN_FAILURES_PER_ACCOUNT
    locked = [LoginThrottle.objects.hit(keys, now=start) for _ in range(limit)]
    assert locked == [False] * (limit - 1) + [True]
    assert LoginThrottle.objects.locked(keys, now=start + lockout - dt.timedelta(seconds=1))
    after = start + lockout + dt.timedelta(seconds=1)
    assert not LoginThrottle.objects.locked(keys, now=after)
    assert not LoginThrottle.objects.hit(keys, now=after)


def test_counters_past_their_window_and_lockout_are_dropped(patient, other_patient):
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    LoginThrottle.objects.hit(sign_in_keys(None, patient.email), now=start)
    later = start + dt.timedelta(seconds=settings.THROTTLE_WINDOW + settings.THROTTLE_LOCKOUT + 1)
    LoginThrottle.objects.hit(sign_in_keys(None, other_patient.email), now=later)
    assert LoginThrottle.objects.count() == 1


def test_the_throttle_table_names_no_one(patient):
    fail(Client(), patient.email, 2, REMOTE_ADDR="203.0.113.77")
    stored = " ".join(LoginThrottle.objects.values_list("key", flat=True))
    assert patient.email not in stored and "203.0.113.77" not in stored


def test_the_admin_sign_in_is_throttled_too(administrator):
    admin_login = reverse("admin:login")
    for _ in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        sign_in(Client(), administrator.email, WRONG, url=admin_login)
    client = Client()
    response = sign_in(client, administrator.email, PASSWORD, url=admin_login)
    assert LOCKED in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_locked_account_cannot_be_used_through_the_api_with_its_password(patient):
    fail(Client(), patient.email, settings.SIGN_IN_FAILURES_PER_ACCOUNT)
    credentials = base64.b64encode(f"{patient.email}:{PASSWORD}".encode()).decode()
    response = Client().get(reverse("api-export"), HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code in (401, 403)


def test_password_reset_requests_are_limited_per_address(patient, monkeypatch):
    from kneeapp import tasks

    # The worker's part, run at once: the request queues the email (kneeapp.tasks).
    monkeypatch.setattr(tasks.send_password_reset, "delay", tasks.send_password_reset)
    client = Client()
    for _ in range(settings.PASSWORD_RESETS_PER_ACCOUNT):
        assert client.post(reverse("password_reset"), {"email": patient.email}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": patient.email.upper()})
    assert response.status_code == 200 and errors(response) == [LOCKED]
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ACCOUNT
    move_throttles_back(settings.THROTTLE_LOCKOUT + 1)
    assert client.post(reverse("password_reset"), {"email": patient.email}).status_code == 302
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ACCOUNT + 1


def test_password_reset_refusals_are_the_same_for_unknown_addresses(patient):
    def answers(email):
        client = Client()
        limit = settings.PASSWORD_RESETS_PER_ACCOUNT
        return [
            client.post(reverse("password_reset"), {"email": email}).status_code
            for _ in range(limit + 1)
        ]

    assert answers(patient.email) == answers("nobody@test.example")


@override_settings(PASSWORD_RESETS_PER_ADDRESS=3)
def test_password_reset_requests_are_limited_per_network_address(patient):
    sender = {"REMOTE_ADDR": "203.0.113.9"}
    for number in range(3):
        Client().post(reverse("password_reset"), {"email": f"x{number}@test.example"}, **sender)
    response = Client().post(reverse("password_reset"), {"email": patient.email}, **sender)
    assert errors(response) == [LOCKED] and mail.outbox == []


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (
            "password_change",
            {"new_password1": "a-new-long-pass-77", "new_password2": "a-new-long-pass-77"},
        ),
        ("delete_account", {"confirm": "on"}),
    ],
)
def test_a_stolen_session_cannot_guess_the_password(patient, url, fields):
    thief = Client()
    thief.force_login(patient)
    for _ in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        response = thief.post(reverse(url), {**fields, "old_password": WRONG, "password": WRONG})
        assert response.status_code == 200
    response = thief.post(reverse(url), {**fields, "old_password": PASSWORD, "password": PASSWORD})
    assert response.status_code == 200 and LOCKED in response.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2", "10.0.0.2"),  # no proxy: a forged header counts for nothing
        (1, "6.6.6.6, 198.51.100.1", "10.0.0.2", "198.51.100.1"),  # the hop our proxy saw
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.3", "10.0.0.2", "198.51.100.1"),
        (1, "", "10.0.0.2", "10.0.0.2"),
        (0, "", "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # an IPv6 client is its /64
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(proxies, forwarded, remote, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXIES=proxies):
        assert client_address(request) == expected


# Sessions


def test_signing_in_gives_a_new_session_key_and_the_old_one_signs_no_one_in(patient):
    # An attacker plants a session of their own in the victim's browser (session fixation).
    planted = import_module(settings.SESSION_ENGINE).SessionStore()
    planted["planted"] = True
    planted.save()
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert sign_in(victim, patient.email, PASSWORD).status_code == 302
    assert victim.cookies[settings.SESSION_COOKIE_NAME].value != planted.session_key
    assert not UserSession.objects.filter(session_key=planted.session_key).exists()
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert not signed_in(attacker)
    assert signed_in(victim)


def test_the_admin_sign_in_gives_a_new_session_key_too(administrator):
    client = Client()
    client.get(reverse("home"))
    session = client.session
    session["before"] = True
    session.save()
    before = session.session_key
    sign_in(client, administrator.email, PASSWORD, url=reverse("admin:login"))
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before


def test_each_session_row_knows_whose_it_is(patient, other_patient):
    mine, theirs = Client(), Client()
    sign_in(mine, patient.email, PASSWORD)
    sign_in(theirs, other_patient.email, PASSWORD)
    key = mine.cookies[settings.SESSION_COOKIE_NAME].value
    assert UserSession.objects.get(session_key=key).user == patient
    mine.post(reverse("logout"))
    assert not UserSession.objects.filter(user=patient).exists()
    assert UserSession.objects.filter(user=other_patient).count() == 1


def set_session_times(client, *, idle: int, signed_in_ago: int | None = None) -> None:
    now = int(time.time())
    session = client.session
    session[LAST_SEEN_AT] = now - idle
    if signed_in_ago is not None:
        session[SIGNED_IN_AT] = now - signed_in_ago
    session.save()


def test_a_session_idle_for_the_timeout_is_signed_out(patient):
    client = Client()
    sign_in(client, patient.email, PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    set_session_times(client, idle=settings.SESSION_IDLE_TIMEOUT - 30)
    assert signed_in(client)  # not yet: and that request counts as activity
    set_session_times(client, idle=settings.SESSION_IDLE_TIMEOUT)
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not UserSession.objects.filter(session_key=key).exists()
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after a while without activity" in page


def test_activity_keeps_a_session_alive(patient):
    client = Client()
    sign_in(client, patient.email, PASSWORD)
    set_session_times(client, idle=settings.SESSION_IDLE_TIMEOUT - 30)
    assert signed_in(client)
    assert int(time.time()) - client.session[LAST_SEEN_AT] < 60


def test_an_idle_session_is_signed_out_of_the_api_too(patient):
    client = Client()
    sign_in(client, patient.email, PASSWORD)
    assert client.get(reverse("api-export")).status_code == 200
    set_session_times(client, idle=settings.SESSION_IDLE_TIMEOUT + 1)
    assert client.get(reverse("api-export")).status_code == 403


def test_a_session_ends_at_its_age_however_active(patient):
    client = Client()
    response = sign_in(client, patient.email, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= settings.SESSION_COOKIE_AGE
    key = cookie.value
    expires = UserSession.objects.get(session_key=key).expire_date
    # Activity writes the session again: the end stays where it was.
    set_session_times(client, idle=120)
    assert signed_in(client)
    assert UserSession.objects.get(session_key=key).expire_date == expires
    set_session_times(client, idle=0, signed_in_ago=settings.SESSION_COOKIE_AGE)
    assert not signed_in(client)


def test_the_idle_timeout_defaults_to_half_an_hour_and_refuses_nonsense():
    assert settings.SESSION_IDLE_TIMEOUT <= 30 * 60
    assert settings.SESSION_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE
    result = manage("check", SESSION_IDLE_TIMEOUT="0")
    assert result.returncode != 0 and "SESSION_IDLE_TIMEOUT" in result.stderr


def test_an_anonymous_visit_is_left_alone():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    from kneeapp.middleware import SessionTimeoutMiddleware

    SessionTimeoutMiddleware(lambda r: None)(request)
    assert dict(request.session) == {}


# Password rules, at sign-up and at password change

WEAK_PASSWORDS = [
    ("Kq9#zx", "password_too_short"),
    ("password123", "password_too_common"),
    ("4829104736", "password_entirely_numeric"),
    ("margaret.test", "password_too_similar"),
]


@pytest.mark.parametrize(("password", "code"), WEAK_PASSWORDS)
def test_sign_up_refuses_a_weak_password(password, code):
    response = Client().post(
        reverse("signup"),
        {"email": "margaret@test.example", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    codes = [error.code for error in response.context["form"].errors.as_data()["password2"]]
    assert code in codes


@pytest.mark.parametrize(("password", "code"), WEAK_PASSWORDS)
def test_password_change_refuses_a_weak_password(patient, password, code):
    patient.email, patient.name = "margaret@test.example", "Margaret Hughes"
    patient.save()
    client = Client()
    client.force_login(patient)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    codes = [error.code for error in response.context["form"].errors.as_data()["new_password2"]]
    assert code in codes
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_the_name_counts_as_something_a_password_must_not_resemble(patient):
    patient.name = "Wilhelmina Stroud"
    patient.save()
    client = Client()
    client.force_login(patient)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "wilhelmina", "new_password2": "wilhelmina"},
    )
    codes = [error.code for error in response.context["form"].errors.as_data()["new_password2"]]
    assert "password_too_similar" in codes
