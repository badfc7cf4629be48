"""What the access matrix sends with each state-changing request.

Always the patient's things, with a body that is valid for the patient, so that only the
access rules stand between another persona and a change.
"""

from django.utils import timezone

from kneeapp.consent import CURRENT_VERSION
from reminders.receipts import receipt_token
from reminders.snooze import later_token
from tests.diary.conftest import body as entry_body


def form(data: dict) -> dict:
    return {"data": data}


def json(data: dict) -> dict:
    return {"data": data, "content_type": "application/json"}


def entry_form(world) -> dict:
    entry = world.thing("diaryentry")
    today = world.patient.today().isoformat()
    return form({"id": entry.pk, "date": today, "pain": "2", "swelling": "none", "notes": "New"})


def psfs_form(world) -> dict:
    assessment = world.thing("psfsassessment")
    today = world.patient.today().isoformat()
    return form({"id": assessment.pk, "date": today, "name_0": "Stairs", "score_0": "6"})


def done_mark(world) -> dict:
    return {"schedule": world.thing("reminderschedule").pk, "date": world.patient.today()}


def plan_form(world) -> dict:
    """A whole stretch plan for the patient, as the admin's add and change pages post it."""
    return form(
        {
            "patient": world.patient.pk,
            "starts_on": world.patient.today().isoformat(),
            "ends_on": "",
            "notes": "Changed in the admin",
            **{
                f"{inline}-{count}_FORMS": "0"
                for inline in ("items", "schedules")
                for count in ("TOTAL", "INITIAL")
            },
        }
    )


BOTH = ("TOTAL", "INITIAL")


def delete_selected(model_name: str):
    def body(world) -> dict:
        obj = world.admin_object("reminders" if model_name != "user" else "kneeapp", model_name)
        return form({"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})

    return body


BODIES = {
    ("signup", "POST"): lambda w: form(
        {"email": w.patient.email, "password1": "a-long-pass-42", "password2": "a-long-pass-42"}
    ),
    ("profile", "POST"): lambda w: form(
        {"name": "Renamed", "time_zone": "Europe/Paris", "reminder_channels": "email"}
    ),
    ("consent", "POST"): lambda w: form({"action": "agree", "consent_version": CURRENT_VERSION}),
    ("delete_account", "POST"): lambda w: form({"confirm": "on"}),
    ("password_change", "POST"): lambda w: form({}),
    ("confirm_password", "POST"): lambda w: form({}),
    ("password_reset", "POST"): lambda w: form({"email": w.patient.email}),
    ("triage:start", "POST"): lambda w: form({}),
    ("triage:save", "POST"): lambda w: form({"answers": "{}", "id": w.thing("assessment").pk}),
    ("diary:today", "POST"): entry_form,
    ("diary:edit", "POST"): entry_form,
    ("diary:progress", "POST"): psfs_form,
    ("reminders:done", "POST"): lambda w: form(done_mark(w)),
    ("reminders:preferences", "POST"): lambda w: form(
        {"time_zone": "Europe/Paris", "reminder_channels": "email"}
    ),
    ("triage-api:assessments", "POST"): lambda w: json(
        {"answers": {"heard_pop": True}, "id": str(w.thing("assessment").pk)}
    ),
    ("diary-entry-detail", "PUT"): lambda w: json(
        entry_body(notes="New", client_updated_at=timezone.now().isoformat())
    ),
    ("psfs-detail", "PUT"): lambda w: json(
        {
            "date": w.patient.today().isoformat(),
            "ratings": [{"name": "Stairs", "score": 6}],
            "client_updated_at": timezone.now().isoformat(),
        }
    ),
    ("api-plan-done", "POST"): lambda w: json(
        {key: str(value) for key, value in done_mark(w).items()}
    ),
    ("api-push-subscriptions", "POST"): lambda w: json(
        w.thing("pushsubscription").as_subscription_info()
    ),
    ("api-push-subscriptions", "DELETE"): lambda w: json(
        {"endpoint": w.thing("pushsubscription").endpoint}
    ),
    ("api-push-subscription-renew", "POST"): lambda w: json(
        {
            "old_endpoint": w.thing("pushsubscription").endpoint,
            "subscription": w.thing("pushsubscription").as_subscription_info(),
        }
    ),
    ("api-push-receipt", "POST"): lambda w: json(
        {"token": receipt_token(w.thing("delivery").pk, w.thing("pushsubscription").pk)}
    ),
    ("api-plan-later", "POST"): lambda w: json({"token": later_token(w.thing("delivery"))}),
    ("api-preferences", "PATCH"): lambda w: json({"remind_by_email": False}),
    ("admin:auth_group_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:kneeapp_user_changelist", "POST"): delete_selected("user"),
    ("admin:kneeapp_user_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:kneeapp_user_change", "POST"): lambda w: form({"email": w.patient.email}),
    ("admin:reminders_exercise_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:reminders_stretchplan_changelist", "POST"): delete_selected("stretchplan"),
    ("admin:reminders_stretchplan_add", "POST"): plan_form,
    ("admin:reminders_stretchplan_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:reminders_stretchplan_change", "POST"): plan_form,
    ("admin:reminders_plantemplate_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:reminders_plantemplate_change", "POST"): lambda w: form(
        {
            "name": "Renamed",
            "slug": w.admin_object("reminders", "plantemplate").slug,
            **{f"{inline}-{n}_FORMS": "0" for inline in ("items", "times") for n in BOTH},
        }
    ),
    ("admin:reminders_plantemplate_start_plan", "POST"): lambda w: form(
        {"patient": w.patient.pk, "starts_on": w.patient.today().isoformat()}
    ),
    ("admin:reminders_delivery_changelist", "POST"): delete_selected("delivery"),
    ("admin:reminders_delivery_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:reminders_doctoralert_changelist", "POST"): delete_selected("doctoralert"),
    ("admin:reminders_doctoralert_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:kneeapp_invitation_delete", "POST"): lambda w: form({"post": "yes"}),
    ("admin:reminders_patientneedingattention_changelist", "POST"): lambda w: form(
        {"action": "mark_reviewed", "_selected_action": [w.patient.pk]}
    ),
}
