"""Every admin change page saves back: opened for a fully filled object, submitted unchanged
and with one change, it redirects (issue 12). The forms are read from the page as a
browser would send them (every input, checked box and selected option), inlines included.
"""

import datetime as dt
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from diary.models import DiaryEntry
from kneeapp.audit import StaffAccess
from kneeapp.models import Consent, Invitation
from reminders.models import (
    Delivery,
    DoctorAlert,
    Exercise,
    PatientNeedingAttention,
    PlanTemplate,
    PlanTemplateItem,
    PlanTemplateTime,
    StretchPlan,
)
from tests.admin_forms import form_data
from tests.reminders.conftest import at, make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(patient, physiotherapist, administrator):
    """One fully filled object of every registered model."""
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(22), dt.time(7)
    patient.remind_by_email = True
    patient.save()
    plan = make_plan(patient, physiotherapist)
    plan.ends_on = dt.date(2026, 12, 31)
    plan.save()
    schedule = plan.schedules.first()
    schedule.weekdays = 0b0010101  # Monday, Wednesday, Friday
    schedule.save()
    knowledge = load_knowledge()
    assessment, _ = Assessment.objects.record(
        assess(knowledge, {"night_pain": True}), {"night_pain": True}, user=patient
    )
    delivery = Delivery.objects.create(
        patient=patient, kind="stretch", schedule=schedule, channel="email",
        slot=at("2026-06-01 07:00"),
    )  # fmt: skip
    alert = DoctorAlert.objects.create(
        patient=patient, kind="check_in", assessment=assessment,
        started_on=dt.date(2026, 5, 1), alerted_at=at("2026-06-01 07:00"),
    )  # fmt: skip
    access = StaffAccess.objects.create(
        staff=physiotherapist, staff_name="Phyllis", patient=patient, action="viewed",
        what="stretch plan", object_id=str(plan.pk),
    )  # fmt: skip
    template = PlanTemplate.objects.create(
        slug="physios-own", name="Physio's own", condition_notes="For a stiff knee.",
        patient_notes="Gently.", weeks=4, owner=physiotherapist,
    )  # fmt: skip
    PlanTemplateItem.objects.create(
        template=template, exercise=plan.items.first().exercise, position=1,
        hold_seconds=20, reps=4, sets=2, notes="Slowly.",
    )  # fmt: skip
    PlanTemplateTime.objects.create(template=template, time_of_day=dt.time(9), weekdays=0b0101010)
    invitation = Invitation.objects.create(physiotherapist=physiotherapist, email="x@test.example")
    DiaryEntry.objects.create(  # a warning sign: the patient is on the attention list
        id=uuid.uuid4(), patient=patient, date=patient.today(), pain=6,
        red_flags=["calf_swelling"], client_updated_at=at("2026-06-01 07:00"),
    )  # fmt: skip
    return {
        PlanTemplate: template,
        PatientNeedingAttention: PatientNeedingAttention.objects.get(pk=patient.pk),
        Invitation: invitation,
        StaffAccess: access,
        Consent: patient.consents.get(),
        Group: Group.objects.get(name="Physiotherapists"),
        type(patient): patient,
        Exercise: plan.items.first().exercise,
        StretchPlan: plan,
        Delivery: delivery,
        DoctorAlert: alert,
    }


# One change per model: (field, new value).
ONE_CHANGE = {
    "auth.Group": ("name", "Physiotherapists (renamed)"),
    "kneeapp.User": ("name", "Pat Renamed"),
    "reminders.Exercise": ("instructions", "Hold it a little longer."),
    "reminders.StretchPlan": ("notes", "Three times a day."),
    "reminders.PlanTemplate": ("patient_notes", "Twice a day, gently."),
}


# Admin pages that only lead to another model's page: the attention list's rows open the
# patient's own page.
OPENS_ELSEWHERE = {
    "reminders.PatientNeedingAttention": lambda obj: reverse(
        "admin:kneeapp_user_change", args=[obj.pk]
    ),
}


def test_every_registered_model_has_a_filled_object(filled):
    assert set(admin.site._registry) == set(filled)


@pytest.mark.parametrize("as_who", ["administrator", "physiotherapist"])
@pytest.mark.parametrize("label", sorted(m._meta.label for m in admin.site._registry))
def test_every_change_page_saves_back_unchanged_and_with_one_change(request, filled, label, as_who):
    client = request.getfixturevalue(f"{as_who}_client")
    model = next(m for m in filled if m._meta.label == label)
    obj = filled[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    page = client.get(url)
    if label in OPENS_ELSEWHERE:
        assert page.status_code == 302 and page["Location"] == OPENS_ELSEWHERE[label](obj)
        return
    if page.status_code in (302, 403):  # not this user's to see or change
        assert as_who == "physiotherapist"
        return
    assert page.status_code == 200, page.content[:500]
    data = form_data(page.content.decode())
    if "_save" not in page.content.decode():  # a read-only page (sent reminders, alerts)
        assert client.post(url, data).status_code == 403
        return
    unchanged = client.post(url, data)
    assert unchanged.status_code == 302, errors_of(unchanged)
    if label in ONE_CHANGE:
        field, value = ONE_CHANGE[label]
        assert field in data, f"{field} is not on the {label} form"
        changed = client.post(url, {**data, field: [value]})
        assert changed.status_code == 302, errors_of(changed)
        obj.refresh_from_db()
        assert getattr(obj, field) == value


def errors_of(response) -> str:
    context = response.context or {}
    form = context.get("adminform")
    inlines = context.get("inline_admin_formsets") or []
    return str(
        {
            "form": form.form.errors if form else None,
            "inlines": [formset.formset.errors for formset in inlines],
            "non_form": [formset.formset.non_form_errors() for formset in inlines],
        }
    )


def test_a_plans_reminder_days_change_and_an_end_date_is_set_from_its_change_page(
    physiotherapist_client, filled
):
    plan = filled[StretchPlan]
    url = reverse("admin:reminders_stretchplan_change", args=[plan.pk])
    data = form_data(physiotherapist_client.get(url).content.decode())
    prefix = next(key for key in data if key.endswith("-weekdays")).rsplit("-", 1)[0]
    data[f"{prefix}-weekdays"] = ["5", "6"]  # the weekend only
    data["ends_on"] = ["2026-07-01"]
    assert physiotherapist_client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.ends_on == dt.date(2026, 7, 1)
    pk = int(data[f"{prefix}-id"][0])
    assert plan.schedules.get(pk=pk).weekdays == (1 << 5) | (1 << 6)
