"""The unsubscribe link of a reminder email: it asks first, a one-click POST turns email off,
it expires after 90 days, and it acts only on the setting the email was sent under."""

import datetime as dt
import time

from django.core import signing
from django.utils import timezone

from reminders.notifications import UNSUBSCRIBE_SALT, unsubscribe_token
from reminders.preferences import save_preferences


def url_for(token: str) -> str:
    return f"/plan/unsubscribe/{token}/"


def test_the_unsubscribe_link_asks_first_and_a_one_click_post_turns_email_off(
    anonymous_client, patient
):
    url = url_for(unsubscribe_token(patient, timezone.now()))
    assert anonymous_client.get(url).status_code == 200
    patient.refresh_from_db()
    assert patient.remind_by_email is True  # a mail scanner's GET changes nothing
    response = anonymous_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"no more reminder emails" in response.content
    patient.refresh_from_db()
    assert patient.remind_by_email is False
    assert patient.remind_by_email_changed_at is not None


def test_a_forged_unsubscribe_link_is_not_found(anonymous_client, patient):
    token = unsubscribe_token(patient, timezone.now())
    assert anonymous_client.post(url_for(f"{token[:-2]}xx")).status_code == 404
    patient.refresh_from_db()
    assert patient.remind_by_email is True


def test_a_link_older_than_90_days_has_expired_and_changes_nothing(
    anonymous_client, patient, monkeypatch
):
    sent = timezone.now() - dt.timedelta(days=91)
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: sent.timestamp())  # the signature's own clock
        token = unsubscribe_token(patient, sent)
    for method in (anonymous_client.get, anonymous_client.post):
        response = method(url_for(token))
        assert response.status_code == 410
        assert b"This link has expired" in response.content
    patient.refresh_from_db()
    assert patient.remind_by_email is True


def test_a_link_of_89_days_still_works(anonymous_client, patient, monkeypatch):
    sent = timezone.now() - dt.timedelta(days=89)
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: sent.timestamp())
        token = unsubscribe_token(patient, sent)
    assert anonymous_client.post(url_for(token)).status_code == 200
    patient.refresh_from_db()
    assert patient.remind_by_email is False


def test_a_replay_after_the_patient_turned_email_back_on_changes_nothing(anonymous_client, patient):
    token = unsubscribe_token(patient, timezone.now())
    assert anonymous_client.post(url_for(token)).status_code == 200
    save_preferences(patient, {"remind_by_email": True})  # the patient changes their mind
    response = anonymous_client.post(url_for(token))  # the same email's link, again
    assert response.status_code == 200
    assert b"Nothing was changed" in response.content
    patient.refresh_from_db()
    assert patient.remind_by_email is True
    # An email sent after that change unsubscribes again.
    assert anonymous_client.post(url_for(unsubscribe_token(patient, timezone.now())))
    patient.refresh_from_db()
    assert patient.remind_by_email is False


def test_saving_other_preferences_does_not_count_as_a_change_of_the_email_setting(
    anonymous_client, patient
):
    token = unsubscribe_token(patient, timezone.now())
    save_preferences(patient, {"remind_by_email": True, "remind_by_push": True})
    patient.refresh_from_db()
    assert patient.remind_by_email_changed_at is None
    anonymous_client.post(url_for(token))
    patient.refresh_from_db()
    assert patient.remind_by_email is False


def test_a_link_of_before_links_carried_their_sending_time_has_expired(anonymous_client, patient):
    old = signing.dumps({"u": patient.pk, "c": "email"}, salt=UNSUBSCRIBE_SALT, compress=True)
    assert anonymous_client.post(url_for(old)).status_code == 410
    patient.refresh_from_db()
    assert patient.remind_by_email is True
