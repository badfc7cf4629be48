"""Issue #12: a physiotherapist reaches a patient who signed up alone, by an invitation from
the admin: a signed, expiring, single-use link that signs the patient up or links their
account once they agree. The patient sees who their physiotherapist is and can end the link,
after which the physiotherapist sees nothing and their plan sends nothing.
"""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeapp import tasks
from kneeapp.invitations import SALT, Invitation
from kneeapp.models import Consent, User
from reminders.models import StretchPlan
from tests.conftest import PASSWORD, make_person
from tests.reminders.conftest import make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

NEW_PASSWORD = "a-new-long-pass-word-77"


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def emails_at_once(monkeypatch):
    # The worker's part, run at once: the admin queues the email (kneeapp.tasks).
    monkeypatch.setattr(tasks.send_invitation, "delay", tasks.send_invitation)


def invite(client, email: str, django_capture_on_commit_callbacks) -> str:
    """Invite ``email`` from the admin as ``client``; the link the email carries."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:kneeapp_invitation_add"), {"email": email})
    assert response.status_code == 302, response.context["adminform"].form.errors
    [message] = [m for m in mail.outbox if email.lower() in m.to]
    return re.search(r"https?://\S+/account/invitation/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/account/" + link.split("/account/", 1)[1]


@pytest.fixture
def loner(db) -> User:
    """A patient who signed up on their own: nobody's patient."""
    return make_person("loner@test.example", name="Lonnie")


def test_a_self_registered_patient_accepts_and_only_then_is_seen(
    physiotherapist, physiotherapist_client, loner, django_capture_on_commit_callbacks
):
    users = reverse("admin:kneeapp_user_change", args=[loner.pk])
    link = invite(physiotherapist_client, loner.email, django_capture_on_commit_callbacks)
    assert physiotherapist_client.get(users).status_code == 302  # not theirs yet
    client = Client()
    client.force_login(loner)
    page = client.get(path_of(link))
    assert page.status_code == 200 and "not as you write" in page.content.decode()
    assert client.post(path_of(link)).status_code == 302
    loner.refresh_from_db()
    assert loner.physiotherapist == physiotherapist
    assert physiotherapist_client.get(users).status_code == 200
    # Single use: the same link again is refused, and changes nothing.
    assert client.post(path_of(link)).status_code == 404


def test_someone_new_signs_up_from_the_link_with_the_invited_address(
    physiotherapist, physiotherapist_client, django_capture_on_commit_callbacks
):
    link = invite(
        physiotherapist_client, "New.Person@Test.example", django_capture_on_commit_callbacks
    )
    visitor = Client()
    form = {
        "email": "someone-else@test.example",  # a disabled field: the invited address stands
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
    }
    response = visitor.post(path_of(link), form)
    assert response.status_code == 302
    patient = User.objects.get(email="new.person@test.example")
    assert patient.physiotherapist == physiotherapist
    assert Consent.objects.current().filter(patient=patient).exists()
    assert not User.objects.filter(email="someone-else@test.example").exists()
    assert visitor.get(reverse("profile")).status_code == 200


def test_sign_up_from_the_link_without_consent_is_refused_naming_the_box(
    physiotherapist_client, django_capture_on_commit_callbacks
):
    link = invite(
        physiotherapist_client, "careful@test.example", django_capture_on_commit_callbacks
    )
    response = Client().post(path_of(link), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    assert not User.objects.filter(email="careful@test.example").exists()


def test_an_existing_account_signed_out_is_sent_to_sign_in_first(
    physiotherapist_client, loner, django_capture_on_commit_callbacks
):
    link = invite(physiotherapist_client, loner.email, django_capture_on_commit_callbacks)
    response = Client().get(path_of(link))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client = Client()
    client.post(response["Location"], {"username": loner.email, "password": PASSWORD})
    assert client.post(path_of(link)).status_code == 302
    loner.refresh_from_db()
    assert loner.physiotherapist is not None


def test_an_expired_or_forged_link_does_not_work(physiotherapist, loner, settings):
    old = Invitation.objects.create(
        physiotherapist=physiotherapist,
        email=loner.email,
        created_at=timezone.now() - dt.timedelta(days=settings.INVITATION_DAYS + 1),
    )
    forged = signing.dumps(old.pk + 1000, salt="not-ours")
    client = Client()
    client.force_login(loner)
    for token in (old.token, forged, old.token[:-3] + "abc"):
        response = client.post(reverse("invitation", args=[token]))
        assert response.status_code == 404
        assert "does not work" in response.content.decode()
    loner.refresh_from_db()
    assert loner.physiotherapist is None and signing.loads(old.token, salt=SALT) == old.pk


def test_staff_cannot_accept_an_invitation(physiotherapist, other_physiotherapist_client, loner):
    invitation = Invitation.objects.create(physiotherapist=physiotherapist, email=loner.email)
    response = other_physiotherapist_client.post(reverse("invitation", args=[invitation.token]))
    assert response.status_code == 404


def test_a_physio_sees_only_their_own_invitations(
    physiotherapist, other_physiotherapist, physiotherapist_client, loner
):
    mine = Invitation.objects.create(physiotherapist=physiotherapist, email=loner.email)
    theirs = Invitation.objects.create(physiotherapist=other_physiotherapist, email=loner.email)
    listing = physiotherapist_client.get(reverse("admin:kneeapp_invitation_changelist"))
    assert list(listing.context["cl"].result_list) == [mine]
    url = reverse("admin:kneeapp_invitation_change", args=[theirs.pk])
    assert physiotherapist_client.get(url).status_code == 302  # the admin's "not found"


def test_inviting_a_staff_address_or_ones_own_patient_is_refused(
    physiotherapist_client, patient, other_physiotherapist
):
    for email in (other_physiotherapist.email, patient.email):
        response = physiotherapist_client.post(
            reverse("admin:kneeapp_invitation_add"), {"email": email}
        )
        assert response.status_code == 200
        assert "email" in response.context["adminform"].form.errors
    assert not Invitation.objects.exists()


def test_the_patient_sees_their_physio_and_ends_the_link(
    patient, physiotherapist, patient_client, physiotherapist_client
):
    plan = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    page = patient_client.get(reverse("profile")).content.decode()
    assert physiotherapist.email in page and "from time to time" in page
    assert patient_client.post(reverse("end_physiotherapist")).status_code == 302
    patient.refresh_from_db()
    plan.refresh_from_db()
    assert patient.physiotherapist is None
    assert plan.ends_on is not None and plan.ends_on < patient.today()
    assert not plan.schedules.filter(next_run_at__isnull=False).exists()
    plan_page = reverse("admin:reminders_stretchplan_change", args=[plan.pk])
    assert physiotherapist_client.get(plan_page).status_code == 302  # no longer theirs
    # Nothing left to end: a second time is "not found".
    assert patient_client.post(reverse("end_physiotherapist")).status_code == 404


def test_ending_the_link_removes_a_plan_that_has_not_started(
    patient, physiotherapist, patient_client
):
    make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    make_plan(patient, physiotherapist, starts_on=patient.today() + dt.timedelta(days=3))
    patient_client.post(reverse("end_physiotherapist"))
    assert StretchPlan.objects.of(patient).count() == 1
    assert not StretchPlan.objects.of(patient).current(patient.today()).exists()


def test_ending_the_link_needs_a_signed_in_patient(anonymous_client, other_patient_client, patient):
    response = anonymous_client.post(reverse("end_physiotherapist"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    other_patient_client.post(reverse("end_physiotherapist"))  # ends only their own link
    patient.refresh_from_db()
    assert patient.physiotherapist is not None
