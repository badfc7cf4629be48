"""Every admin change page saves back: opened for a fully filled object, submitted unchanged
and with one change, it redirects (issue 12). The forms are read from the page as a
browser would send them (every input, checked box and selected option), inlines included.
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from reminders.models import Delivery, DoctorAlert, Exercise, StretchPlan
from tests.reminders.conftest import at, make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The fields a browser submits from the page's main form (``#…_form``)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_form = False
        self.select: str | None = None
        self.selected_any = False
        self.first_option: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file", "image"):
                value = attrs.get("value") or ("on" if kind == "checkbox" else "")
                self.fields.append((name, value))
        elif tag == "select" and name:
            self.select, self.selected_any, self.first_option = name, False, None
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.fields.append((self.select, value))
                self.selected_any = True
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            if not self.selected_any and not self.multiple and self.first_option is not None:
                self.fields.append((self.select, self.first_option))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


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
    return {
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
