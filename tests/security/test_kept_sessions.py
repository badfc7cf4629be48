"""Issue #15.6, staying signed in on one's own phone: "keep me signed in on this device" at
sign-in, a long session with no idle timeout that signing out, a new password and deleting
the account still end; and the password asked again before the whole record is handed over.

Time is moved, never waited for: the stored timestamps are shifted into the past.
"""

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kneeapp.middleware import LAST_SEEN_AT, PASSWORD_CHECKED_AT, SIGNED_IN_AT
from kneeapp.models import User, UserSession
from tests.conftest import PASSWORD
from tests.security.test_sign_in_throttle import LOCKED, WRONG, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

DAY = 24 * 60 * 60


def sign_in(client, user, *, keep: bool):
    data = {"username": user.email, "password": PASSWORD}
    if keep:
        data["keep_signed_in"] = "on"
    response = client.post(reverse("login"), data)
    assert response.status_code == 302
    return response


def move_back(client, seconds: int, *keys: str) -> None:
    """As if the session's ``keys`` (its times) had happened ``seconds`` earlier."""
    session = client.session
    for key in keys:
        session[key] -= seconds
    session.save()


def session_row(client) -> UserSession:
    return UserSession.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_sign_in_page_offers_to_keep_me_signed_in_unticked():
    page = Client().get(reverse("login")).content.decode()
    assert 'type="checkbox" name="keep_signed_in"' in page
    assert "Keep me signed in on this device" in page
    assert 'name="keep_signed_in" checked' not in page


def test_unticked_the_session_ends_as_before(patient):
    client = Client()
    cookie = sign_in(client, patient, keep=False).cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= settings.SESSION_COOKIE_AGE
    move_back(client, settings.SESSION_IDLE_TIMEOUT, LAST_SEEN_AT)
    assert not signed_in(client)


def test_kept_the_session_lasts_its_long_age(patient):
    client = Client()
    cookie = sign_in(client, patient, keep=True).cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_KEPT_AGE >= 30 * DAY
    assert settings.SESSION_KEPT_AGE - 60 < int(cookie["max-age"]) <= settings.SESSION_KEPT_AGE
    left = session_row(client).expire_date.timestamp() - time.time()
    assert settings.SESSION_KEPT_AGE - 60 < left <= settings.SESSION_KEPT_AGE


def test_a_kept_session_is_not_signed_out_when_idle(patient):
    client = Client()
    sign_in(client, patient, keep=True)
    expires = session_row(client).expire_date
    # A week without opening the app: still signed in, and the end has not moved.
    move_back(client, 7 * DAY, SIGNED_IN_AT, LAST_SEEN_AT, PASSWORD_CHECKED_AT)
    assert signed_in(client)
    assert session_row(client).expire_date == expires


def test_a_kept_session_still_ends_at_its_age(patient):
    client = Client()
    sign_in(client, patient, keep=True)
    move_back(client, settings.SESSION_KEPT_AGE, SIGNED_IN_AT, LAST_SEEN_AT)
    assert not signed_in(client)


def test_signing_out_ends_a_kept_session(patient):
    client = Client()
    sign_in(client, patient, keep=True)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not signed_in(thief)


def test_a_new_password_ends_the_kept_sessions_of_other_devices(patient):
    phone, laptop = Client(), Client()
    sign_in(phone, patient, keep=True)
    sign_in(laptop, patient, keep=False)
    new = "Zq-another-pass-81"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)  # the device that changed it stays signed in


def test_deleting_the_account_ends_its_kept_sessions(patient):
    phone, laptop = Client(), Client()
    sign_in(phone, patient, keep=True)
    sign_in(laptop, patient, keep=False)
    response = laptop.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=patient.pk).exists()
    assert not UserSession.objects.exists()
    assert not signed_in(phone)


# The password asked again


def test_the_export_is_handed_over_while_the_password_is_fresh(patient):
    client = Client()
    sign_in(client, patient, keep=True)
    assert client.get(reverse("export_data")).status_code == 200
    response = client.get(reverse("api-export"))
    assert response.status_code == 200 and response.json()["data"]


@pytest.mark.parametrize("keep", [True, False])
def test_the_export_asks_for_the_password_when_it_was_typed_long_ago(patient, keep):
    client = Client()
    sign_in(client, patient, keep=keep)
    move_back(client, settings.PASSWORD_RECHECK_AFTER, PASSWORD_CHECKED_AT)
    response = client.get(reverse("api-export"))
    assert response.status_code == 403 and reverse("confirm_password") in response.json()["detail"]
    response = client.get(reverse("export_data"))
    confirm = f"{reverse('confirm_password')}?next=%2Faccount%2Fexport%2F"
    assert response.status_code == 302 and response["Location"] == confirm
    page = client.get(confirm).content.decode()
    assert 'type="password"' in page and 'value="/account/export/"' in page
    response = client.post(confirm, {"password": WRONG, "next": "/account/export/"})
    assert response.status_code == 200 and "That is not your password." in response.text
    assert client.get(reverse("api-export")).status_code == 403
    response = client.post(confirm, {"password": PASSWORD, "next": "/account/export/"})
    assert response.status_code == 302 and response["Location"] == "/account/export/"
    assert client.get(reverse("api-export")).status_code == 200


def test_typing_the_password_again_is_throttled_like_a_sign_in(patient):
    client = Client()
    sign_in(client, patient, keep=True)
    move_back(client, settings.PASSWORD_RECHECK_AFTER, PASSWORD_CHECKED_AT)
    for _ in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        client.post(reverse("confirm_password"), {"password": WRONG})
    response = client.post(reverse("confirm_password"), {"password": PASSWORD})
    assert response.status_code == 200 and LOCKED in response.text
    assert client.get(reverse("api-export")).status_code == 403


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("password_change", {"new_password1": "Zq-new-pass-81", "new_password2": "Zq-new-pass-81"}),
        ("delete_account", {"confirm": "on"}),
    ],
)
def test_a_kept_session_still_types_the_password_to_change_it_or_delete_the_account(
    patient, url, fields
):
    client = Client()
    sign_in(client, patient, keep=True)
    move_back(client, 30 * DAY, SIGNED_IN_AT, LAST_SEEN_AT, PASSWORD_CHECKED_AT)
    response = client.post(reverse(url), fields)
    assert response.status_code == 200 and 'type="password"' in response.text
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_the_confirm_page_goes_only_to_our_own_pages(patient):
    client = Client()
    sign_in(client, patient, keep=False)
    response = client.post(
        reverse("confirm_password"), {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("profile")


@pytest.mark.parametrize("name", ["confirm_password", "export_data"])
def test_anonymous_visitors_are_sent_to_sign_in(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Client().get(reverse("api-export")).status_code == 403


def test_a_confirmation_counts_for_its_own_session_only(patient, other_patient):
    mine, theirs, my_laptop = Client(), Client(), Client()
    for client, user in ((mine, patient), (theirs, other_patient), (my_laptop, patient)):
        sign_in(client, user, keep=True)
        move_back(client, settings.PASSWORD_RECHECK_AFTER, PASSWORD_CHECKED_AT)
    assert mine.post(reverse("confirm_password"), {"password": PASSWORD}).status_code == 302
    export = mine.get(reverse("api-export")).text
    assert patient.email in export and other_patient.email not in export
    assert theirs.get(reverse("api-export")).status_code == 403
    assert my_laptop.get(reverse("api-export")).status_code == 403
