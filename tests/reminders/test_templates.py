"""Plan templates (issue 12, point 5): seven condition templates, a plan started from one in
one step for one's own patient only, shared templates read-only to physios, their own
templates theirs alone."""

import datetime as dt

import pytest
from django.urls import reverse

from reminders.library import ensure_templates, template_data
from reminders.models import PlanTemplate, PlanTemplateItem, PlanTemplateTime, StretchPlan
from tests.admin_forms import form_data
from tests.reminders.conftest import make_plan

pytestmark = pytest.mark.django_db

CONDITIONS = [
    "hamstring-strain-early", "hamstring-strain-later", "calf-cramps", "bakers-cyst",
    "knee-osteoarthritis", "meniscus-no-surgery", "runners-knee",
]  # fmt: skip


def start_url(template):
    return reverse("admin:reminders_plantemplate_start_plan", args=[template.pk])


def change_url(template):
    return reverse("admin:reminders_plantemplate_change", args=[template.pk])


def own_template(physio, slug="my-knee-plan") -> PlanTemplate:
    template = PlanTemplate.objects.create(slug=slug, name="My knee plan", owner=physio)
    exercise = ensure_templates()["calf-cramps"].items.first().exercise
    PlanTemplateItem.objects.create(template=template, exercise=exercise, reps=5)
    PlanTemplateTime.objects.create(template=template, time_of_day=dt.time(7))
    return template


def test_the_seven_condition_templates_each_have_exercises_doses_and_a_schedule():
    templates = ensure_templates()
    assert set(CONDITIONS) <= set(templates)
    for slug in CONDITIONS:
        template = templates[slug]
        assert template.owner is None and template.condition_notes and template.patient_notes
        items = list(template.items.all())
        assert len(items) >= 3, slug
        assert all(item.hold_seconds and item.reps and item.sets for item in items), slug
        assert template.times.exists(), slug
        assert "possible" in template.condition_notes, slug  # possible causes, no diagnosis


def test_seeding_the_templates_twice_makes_nothing_twice():
    ensure_templates()
    counts = (PlanTemplate.objects.count(), PlanTemplateItem.objects.count())
    ensure_templates()
    assert (PlanTemplate.objects.count(), PlanTemplateItem.objects.count()) == counts
    assert counts[0] == len(template_data())


def test_a_physio_starts_a_plan_for_their_patient_in_one_step_and_lands_on_it(
    physiotherapist_client, physiotherapist, patient
):
    template = ensure_templates()["bakers-cyst"]
    page = physiotherapist_client.get(change_url(template))
    assert start_url(template) in page.content.decode()  # the button
    assert physiotherapist_client.get(start_url(template)).status_code == 200
    response = physiotherapist_client.post(
        start_url(template), {"patient": patient.pk, "starts_on": "2027-06-01"}
    )
    plan = StretchPlan.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reminders_stretchplan_change", args=[plan.pk])
    assert plan.physiotherapist == physiotherapist and plan.notes == template.patient_notes
    assert plan.ends_on == dt.date(2027, 6, 1) + dt.timedelta(weeks=template.weeks, days=-1)
    doses = [(i.exercise_id, i.hold_seconds, i.reps, i.sets) for i in plan.items.all()]
    assert doses == [(i.exercise_id, i.hold_seconds, i.reps, i.sets) for i in template.items.all()]
    times = [(s.time_of_day, s.weekdays) for s in plan.schedules.all()]
    assert times == [(t.time_of_day, t.weekdays) for t in template.times.all()]
    assert all(s.next_run_at for s in plan.schedules.all())


def test_the_physio_adjusts_the_plan_and_the_template_stays_as_it_was(
    physiotherapist_client, patient
):
    template = ensure_templates()["calf-cramps"]
    physiotherapist_client.post(
        start_url(template), {"patient": patient.pk, "starts_on": "2027-06-01"}
    )
    plan = StretchPlan.objects.get(patient=patient)
    url = reverse("admin:reminders_stretchplan_change", args=[plan.pk])
    data = form_data(physiotherapist_client.get(url).content.decode())
    data["items-0-hold_seconds"] = ["50"]
    assert physiotherapist_client.post(url, data).status_code == 302
    assert plan.items.order_by("position").first().hold_seconds == 50
    assert template.items.order_by("position").first().hold_seconds == 30


def test_starting_a_plan_ends_the_current_one_and_says_so(
    physiotherapist_client, physiotherapist, patient
):
    old = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    template = ensure_templates()["runners-knee"]
    response = physiotherapist_client.post(
        start_url(template), {"patient": patient.pk, "starts_on": "2027-06-01"}, follow=True
    )
    old.refresh_from_db()
    assert old.ends_on == dt.date(2027, 5, 31)
    assert "2027-05-31" in response.content.decode()


def test_a_plan_that_would_clash_is_refused_with_the_reason(
    physiotherapist_client, physiotherapist, patient
):
    make_plan(patient, physiotherapist, starts_on=dt.date(2027, 6, 1))
    template = ensure_templates()["runners-knee"]
    response = physiotherapist_client.post(
        start_url(template), {"patient": patient.pk, "starts_on": "2027-06-01"}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert StretchPlan.objects.of(patient).count() == 1


def test_a_plan_for_another_physios_patient_is_refused(
    physiotherapist_client, other_patient, patient
):
    template = ensure_templates()["runners-knee"]
    page = physiotherapist_client.get(start_url(template))
    assert list(page.context["form"].fields["patient"].queryset) == [patient]
    response = physiotherapist_client.post(
        start_url(template), {"patient": other_patient.pk, "starts_on": "2027-06-01"}
    )
    assert response.status_code == 200 and "patient" in response.context["form"].errors
    assert "Olly" not in response.content.decode()
    assert not StretchPlan.objects.exists()


def test_another_physios_template_is_not_found(
    physiotherapist_client, other_physiotherapist, patient
):
    theirs = own_template(other_physiotherapist)
    for url in (change_url(theirs), start_url(theirs)):
        response = physiotherapist_client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    response = physiotherapist_client.post(
        start_url(theirs), {"patient": patient.pk, "starts_on": "2027-06-01"}
    )
    assert response["Location"] == reverse("admin:index") and not StretchPlan.objects.exists()
    response = physiotherapist_client.post(change_url(theirs), {"name": "Hijacked"})
    assert response["Location"] == reverse("admin:index")
    assert PlanTemplate.objects.get(pk=theirs.pk).name == "My knee plan"
    listing = physiotherapist_client.get(reverse("admin:reminders_plantemplate_changelist"))
    assert theirs not in listing.context["cl"].result_list


def test_a_shared_template_is_read_only_to_a_physio(physiotherapist_client):
    template = ensure_templates()["calf-cramps"]
    page = physiotherapist_client.get(change_url(template))
    assert page.status_code == 200 and "_save" not in page.content.decode()
    assert physiotherapist_client.post(change_url(template), {"name": "Mine"}).status_code == 403
    changelist = reverse("admin:reminders_plantemplate_changelist")
    data = {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"}
    physiotherapist_client.post(changelist, data)
    assert PlanTemplate.objects.get(pk=template.pk).name == "Calf cramps"


def test_a_physio_adds_a_template_of_their_own_and_changes_it(
    physiotherapist_client, physiotherapist
):
    exercise = ensure_templates()["calf-cramps"].items.first().exercise
    add = reverse("admin:reminders_plantemplate_add")
    data = form_data(physiotherapist_client.get(add).content.decode()) | {
        "name": ["Stiff knee, my way"],
        "slug": ["stiff-knee-my-way"],
        "weeks": ["3"],
        "items-0-exercise": [str(exercise.pk)],
        "items-0-reps": ["12"],
        "times-0-time_of_day": ["07:30"],
        "times-0-weekdays": ["0", "3"],
    }
    response = physiotherapist_client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    mine = PlanTemplate.objects.get(slug="stiff-knee-my-way")
    assert mine.owner == physiotherapist
    assert mine.items.get().reps == 12 and mine.times.get().weekdays == 0b1001
    data = form_data(physiotherapist_client.get(change_url(mine)).content.decode())
    data["patient_notes"] = ["Little and often."]
    assert physiotherapist_client.post(change_url(mine), data).status_code == 302
    assert PlanTemplate.objects.get(pk=mine.pk).patient_notes == "Little and often."


def test_an_administrator_starts_a_plan_for_any_patient_with_their_physio(
    administrator_client, other_patient, other_physiotherapist
):
    template = ensure_templates()["meniscus-no-surgery"]
    response = administrator_client.post(
        start_url(template), {"patient": other_patient.pk, "starts_on": "2027-06-01"}
    )
    assert response.status_code == 302
    assert StretchPlan.objects.get(patient=other_patient).physiotherapist == other_physiotherapist
