"""Issue #7, sessions: rotation at sign-in, idle and absolute timeouts, and the password rules.

Time is moved, never waited for: the stored timestamps are shifted into the past. Cookies and
headers of production are in test_csrf_and_headers.py; the sign-in throttle in
test_sign_in_throttle.py.
"""

import time
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from kneeapp.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from kneeapp.models import UserSession
from tests.conftest import PASSWORD
from tests.kneeapp.test_settings import manage
from tests.security.test_sign_in_throttle import sign_in, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


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
