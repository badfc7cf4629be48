"""Issue #7: the admin beyond its URLs. A physiotherapist against the *other*
physiotherapist's patient: list filters and searches, autocomplete, actions and exports, the
plan form's inline rows and "save as new"; and the password hash, which no one is shown.

The URL-by-URL matrix is in test_access_matrix.py; both use the same world of personas
(``matrix_world``, the ``world`` fixture of conftest.py).
"""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from kneeapp.models import User
from reminders.models import Exercise, StretchPlan
from tests.security.matrix_admin import (
    admin_id,
    autocomplete_sources,
    changelist_url,
    owner_of,
    patient_model_admins,
    probes,
    source_field,
)
from tests.security.matrix_outcomes import body_text, describe
from tests.security.matrix_requests import plan_form

# The admin beyond its URLs: a physiotherapist against the *other* physiotherapist's patient.
PHYSIO_AND_VICTIM = [
    pytest.param("physiotherapist", "other_patient", id="physio-vs-other-patient"),
    pytest.param("other_physiotherapist", "patient", id="other-physio-vs-patient"),
]


@pytest.mark.parametrize(("persona", "victim"), PHYSIO_AND_VICTIM)
@pytest.mark.parametrize("model_admin", patient_model_admins(), ids=admin_id)
def test_changelist_filters_and_searches_find_only_ones_own_patients(
    world, db, persona, victim, model_admin
):
    physio = world.users[persona]
    found_by_administrator = 0
    for query in probes(world, model_admin, victim):
        url = changelist_url(model_admin) + "?" + urlencode(query)
        response = world.client(persona).get(url)
        # 403: a list this persona may not open at all (the audit trail), nothing shown
        assert response.status_code in (200, 302, 400, 403), f"{url}: {describe(response)}"
        if response.status_code == 200:
            owners = {owner_of(row) for row in response.context["cl"].result_list}
            assert owners <= set(physio.patients.values_list("pk", flat=True)), url
            assert not world.leaks(persona, body_text(response), typed=str(query)), url
        control = world.client("administrator").get(url)
        if control.status_code == 200:
            found_by_administrator += control.context["cl"].result_count
    # The probes do find the victim's rows for someone allowed to see them.
    assert found_by_administrator > 0


@pytest.mark.parametrize(("persona", "victim"), PHYSIO_AND_VICTIM)
@pytest.mark.parametrize("source", autocomplete_sources(), ids=":".join)
def test_autocomplete_offers_only_ones_own_patients(world, db, persona, victim, source):
    app_label, model_name, field_name = source
    victim_ids = {str(world.users[victim].pk), str(world.thing("stretchplan", victim).pk)}
    for term in ("", world.users[victim].name, world.users[victim].email):
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        url = reverse("admin:autocomplete") + "?" + urlencode(query | {"term": term})
        response = world.client(persona).get(url)
        assert response.status_code in (200, 403, 404), f"{url}: {describe(response)}"
        if response.status_code == 200:
            results = response.json()["results"]
            remote = source_field(source).remote_field.model
            if remote in (User, StretchPlan):
                assert not victim_ids & {result["id"] for result in results}, url
            assert not any(world.users[victim].name in result["text"] for result in results)


@pytest.mark.parametrize(("persona", "victim"), PHYSIO_AND_VICTIM)
@pytest.mark.parametrize("model_admin", admin.site._registry.values(), ids=admin_id)
def test_admin_actions_and_exports_leave_other_patients_alone(
    world, db, persona, victim, model_admin
):
    url = changelist_url(model_admin)
    page = world.client(persona).get(url)
    if page.status_code != 200 or page.context.get("action_form") is None:
        return  # no changelist, or no action at all, for this persona
    actions = [name for name, _ in page.context["action_form"].fields["action"].choices if name]
    target = world.admin_object(*admin_id(model_admin).split("."), owner=victim)
    before = world.fingerprint(victim)
    for action in actions:
        for confirm in ({"index": "0"}, {"post": "yes"}):
            data = {"action": action, "_selected_action": [target.pk], **confirm}
            response = world.client(persona).post(url, data)
            assert response.status_code in (200, 302), f"{action}: {describe(response)}"
            assert not world.leaks(persona, body_text(response)), action
            assert world.fingerprint(victim) == before, f"{action} changed {victim}'s things"


@pytest.mark.parametrize(("persona", "victim"), PHYSIO_AND_VICTIM)
def test_a_plan_form_cannot_reach_another_physiotherapists_plan(world, db, persona, victim):
    """Not through the inline rows' ids, nor by "save as new" on the other plan's URL."""
    own = world.thing("stretchplan", "patient" if victim == "other_patient" else "other_patient")
    theirs = world.thing("stretchplan", victim)
    before = world.fingerprint(victim)
    item, schedule = theirs.items.first(), theirs.schedules.first()
    unused = Exercise.objects.exclude(pk__in=own.items.values("exercise")).first()
    data = plan_form(world)["data"] | {
        "patient": own.patient_id,
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-0-id": item.pk,
        "items-0-plan": own.pk,
        "items-0-exercise": unused.pk,
        "items-0-position": "9",
        "schedules-TOTAL_FORMS": "1",
        "schedules-INITIAL_FORMS": "1",
        "schedules-0-id": schedule.pk,
        "schedules-0-plan": own.pk,
        "schedules-0-time_of_day": "03:00",
        "schedules-0-weekdays": ["0"],
    }
    client = world.client(persona)
    own_url = reverse("admin:reminders_stretchplan_change", args=[own.pk])
    their_url = reverse("admin:reminders_stretchplan_change", args=[theirs.pk])
    # A copy starts the day after the own plan's start as the first post sets it (the form's
    # date is the first patient's today, which may be a day off the other's time zone): one
    # starting the same day would overlap it.
    tomorrow = (dt.date.fromisoformat(data["starts_on"]) + dt.timedelta(days=1)).isoformat()
    responses = [
        client.post(own_url, data),
        client.post(their_url, data | {"_saveasnew": "Save as new", "starts_on": tomorrow}),
        client.post(their_url, data | {"_saveasnew": "1", "patient": theirs.patient_id}),
    ]
    ignored, copied, refused = responses
    # Django's formset skips a row whose id is not one of this plan's rows.
    assert ignored.status_code == 302
    assert copied.status_code == 302  # a new plan for one's own patient, from the form only
    assert refused.status_code == 200  # their patient is not a choice
    for response in responses:
        assert not world.leaks(persona, body_text(response))
    assert world.fingerprint(victim) == before


@pytest.mark.parametrize("persona", ["physiotherapist", "administrator"])
def test_the_password_hash_is_neither_shown_nor_a_filter(world, db, persona):
    """Read-only access to a patient is not access to what their password can be guessed from."""
    patient = User.objects.get(pk=world.patient.pk)  # a copy: the test's change is undone
    patient.password = PBKDF2PasswordHasher().encode("their-password", "somesalt", iterations=1)
    patient.save(update_fields=["password"])
    digest = patient.password.rsplit("$", 1)[1]
    client = world.client(persona)
    page = client.get(reverse("admin:kneeapp_user_change", args=[patient.pk]))
    assert page.status_code == 200 and digest not in body_text(page)
    # A filter on the hash would read it out one character at a time through the row count.
    for url, lookup in (
        (reverse("admin:kneeapp_user_changelist"), "password__startswith"),
        (reverse("admin:kneeapp_user_changelist"), "password__regex"),
        (reverse("admin:reminders_stretchplan_changelist"), "patient__password__startswith"),
        (reverse("admin:reminders_delivery_changelist"), "patient__password__startswith"),
    ):
        response = client.get(url + "?" + urlencode({lookup: "pbkdf2"}))
        assert response.status_code == 400, f"{url}?{lookup}: {describe(response)}"
