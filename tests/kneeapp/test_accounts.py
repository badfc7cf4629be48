"""Sign up, sign in and out, password reset, profile, export and account deletion."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from kneeapp.models import PHYSIOTHERAPISTS_GROUP, User
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_it_signs_up_with_email_and_password_and_signs_in(anonymous_client):
    response = anonymous_client.post(
        reverse("signup"),
        {
            "email": "New@Example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Europe/Berlin",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.time_zone == "Europe/Berlin"
    assert anonymous_client.get(reverse("profile")).status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_duplicate_email_whatever_its_case(anonymous_client, patient):
    response = anonymous_client.post(
        reverse("signup"),
        {"email": patient.email.upper(), "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=patient.email).count() == 1


@pytest.mark.django_db
def test_it_refuses_a_weak_password_naming_the_field(anonymous_client):
    response = anonymous_client.post(
        reverse("signup"), {"email": "a@example.com", "password1": "12345", "password2": "12345"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(email="a@example.com").exists()


SIGN_UP = {"email": "tz@example.com", "password1": PASSWORD, "password2": PASSWORD, "consent": "on"}


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_naming_the_field(anonymous_client):
    response = anonymous_client.post(reverse("signup"), {**SIGN_UP, "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and "time_zone" in response.context["form"].errors
    assert not User.objects.filter(email="tz@example.com").exists()


@pytest.mark.django_db
def test_a_sign_up_without_a_time_zone_gets_utc(anonymous_client):
    assert anonymous_client.post(reverse("signup"), SIGN_UP).status_code == 302
    assert User.objects.get(email="tz@example.com").time_zone == "UTC"


@pytest.mark.django_db
def test_the_sign_up_page_lists_readable_zones_grouped_by_region(anonymous_client):
    page = anonymous_client.get(reverse("signup")).content.decode()
    assert '<select name="time_zone"' in page and "data-from-browser" in page
    assert '<optgroup label="Europe">' in page
    assert re.search(r'value="Europe/London">Europe/London — London \(GMT\+[01]\)<', page)
    assert re.search(r'value="America/St_Johns">[^<]*St Johns \(GMT-[23]:30\)<', page)


def test_it_signs_in_and_out(anonymous_client, patient):
    response = anonymous_client.post(
        reverse("login"), {"username": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert anonymous_client.get(reverse("profile")).status_code == 200
    anonymous_client.post(reverse("logout"))
    assert anonymous_client.get(reverse("profile")).status_code == 302


def test_the_session_key_changes_at_sign_in(anonymous_client, patient):
    anonymous_client.get(reverse("login"))
    anonymous_client.session.save()
    before = anonymous_client.session.session_key
    anonymous_client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert anonymous_client.session.session_key != before


def queued_resets(monkeypatch) -> list:
    """What a reset request hands to the broker, run by the test as a worker would."""
    from kneeapp import tasks

    queued = []
    monkeypatch.setattr(tasks.send_password_reset, "delay", lambda *args: queued.append(args))
    return queued


def test_a_password_reset_email_carries_a_working_link(
    anonymous_client, patient, monkeypatch, settings
):
    from kneeapp.tasks import send_password_reset

    settings.SITE_URL = "https://kneeapp.example"
    queued = queued_resets(monkeypatch)
    anonymous_client.post(
        reverse("password_reset"), {"email": patient.email}, headers={"host": "testserver:8443"}
    )
    assert mail.outbox == [] and queued == [(patient.pk,)]  # only the id: no token in the broker
    assert send_password_reset(*queued[0]) is True
    assert len(mail.outbox) == 1
    assert "https://kneeapp.example/account/password-reset/" in mail.outbox[0].body
    assert ":8443" not in mail.outbox[0].body
    link = re.search(r"https?://[^/]+(/account/password-reset/\S+/)", mail.outbox[0].body).group(1)
    response = anonymous_client.get(link, follow=True)
    new_password = "another-long-password-77"
    response = anonymous_client.post(
        response.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(new_password)


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    anonymous_client, db, monkeypatch
):
    from kneeapp.tasks import send_password_reset

    queued = queued_resets(monkeypatch)
    response = anonymous_client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert queued == [(None,)]  # queued all the same, so it takes the same time
    assert send_password_reset(None) is False and mail.outbox == []
    with pytest.raises(ValueError, match="user_id"):
        send_password_reset("1")


def test_anonymous_users_are_sent_to_sign_in_from_account_pages(anonymous_client, db):
    for name in ("profile", "delete_account", "password_change"):
        response = anonymous_client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_profile_saves_time_zone_channels_and_quiet_hours(patient_client, patient):
    response = patient_client.post(
        reverse("profile"),
        {
            "name": "Pat",
            "time_zone": "Asia/Tokyo",
            "reminder_channels": "push",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "Asia/Tokyo"
    assert (patient.remind_by_email, patient.remind_by_push) == (False, True)
    assert str(patient.quiet_hours_start) == "22:00:00"


def test_the_profile_refuses_bad_values_and_changes_nothing(patient_client, patient):
    response = patient_client.post(
        reverse("profile"),
        {"name": "x" * 500, "time_zone": "Nowhere/Land", "quiet_hours_start": "25:99"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "time_zone", "quiet_hours_start"} <= set(errors)
    patient.refresh_from_db()
    assert (patient.name, patient.time_zone) == ("Pat", "Europe/London")


def test_quiet_hours_need_both_ends(patient_client, patient):
    response = patient_client.post(
        reverse("profile"), {"time_zone": "UTC", "quiet_hours_start": "22:00"}
    )
    assert "quiet_hours_end" in response.context["form"].errors


def test_quiet_hours_across_midnight_are_read_in_the_users_time_zone(patient):
    from datetime import UTC, datetime, time

    patient.quiet_hours_start, patient.quiet_hours_end = time(22), time(7)
    patient.time_zone = "America/New_York"
    assert patient.in_quiet_hours(datetime(2026, 7, 1, 3, 30, tzinfo=UTC))  # 23:30 in New York
    assert not patient.in_quiet_hours(datetime(2026, 7, 1, 16, 0, tzinfo=UTC))  # noon


def test_export_returns_the_users_own_account_only(patient_client, patient, other_patient):
    response = patient_client.get(reverse("api-export"))
    assert response.status_code == 200
    data = response.json()
    [account] = data["data"]["kneeapp.User"]
    assert account["email"] == patient.email
    assert other_patient.email not in response.content.decode()
    assert "attachment" in response["Content-Disposition"]


def test_export_refuses_anonymous_users(anonymous_client, db):
    assert anonymous_client.get(reverse("api-export")).status_code in (401, 403)


def test_deleting_the_account_needs_the_password_and_the_confirmation(patient_client, patient):
    response = patient_client.post(
        reverse("delete_account"), {"password": "wrong", "confirm": "on"}
    )
    assert response.status_code == 200
    assert User.objects.filter(pk=patient.pk).exists()
    response = patient_client.post(reverse("delete_account"), {"password": PASSWORD})
    assert "confirm" in response.context["form"].errors
    assert User.objects.filter(pk=patient.pk).exists()


def test_deleting_the_account_removes_it_and_signs_out(patient_client, patient, other_patient):
    response = patient_client.post(
        reverse("delete_account"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=patient.pk).exists()
    assert User.objects.filter(pk=other_patient.pk).exists()
    assert patient_client.get(reverse("profile")).status_code == 302


@pytest.mark.django_db
def test_the_physiotherapists_group_exists_after_migrating():
    assert Group.objects.filter(name=PHYSIOTHERAPISTS_GROUP).exists()


def test_a_physiotherapist_is_recognised_and_a_patient_is_not(physiotherapist, patient):
    assert physiotherapist.is_physiotherapist
    assert not patient.is_physiotherapist
    assert list(User.objects.patients_of(physiotherapist)) == [patient]


def test_a_physiotherapist_sees_only_their_own_patients_in_the_admin(
    physiotherapist_client, patient, other_patient
):
    response = physiotherapist_client.get(reverse("admin:kneeapp_user_changelist"))
    assert response.status_code == 200
    assert patient.email in response.content.decode()
    assert other_patient.email not in response.content.decode()
    url = reverse("admin:kneeapp_user_change", args=[other_patient.pk])
    assert physiotherapist_client.get(url).status_code in (302, 404)


def test_a_patient_cannot_use_the_admin(patient_client):
    response = patient_client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_seed_demo_is_idempotent_and_prints_passwords_once(db):
    from io import StringIO

    from django.core.management import call_command

    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    assert first.getvalue().count("password:") == 2
    assert "password:" not in second.getvalue()
    physio = User.objects.get(email="physio@example.com")
    patient = User.objects.get(email="patient@example.com")
    assert physio.is_physiotherapist
    assert patient.physiotherapist == physio
    assert User.objects.count() == 2
    assert patient.consents.count() == 1 and not physio.consents.exists()
