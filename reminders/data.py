"""Account export and demo data of the reminders app (called through RemindersConfig)."""

import datetime as dt

from django.utils import timezone

from reminders.library import ensure_library
from reminders.models import (
    Completion,
    Delivery,
    DoctorAlert,
    PlanItem,
    PushSubscription,
    ReminderSchedule,
    StretchPlan,
)

DEMO_STRETCHES = ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
DEMO_TIMES = [dt.time(8), dt.time(19)]


def export(user) -> dict:
    plans = StretchPlan.objects.of(user).prefetch_related("items__exercise", "schedules")
    return {
        "stretch_plans": [
            {
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on and plan.ends_on.isoformat(),
                "notes": plan.notes,
                "stretches": [
                    {"exercise": item.exercise.name, **item.dose, "notes": item.notes}
                    for item in plan.items.all()
                ],
                "reminder_times": [
                    schedule.time_of_day.strftime("%H:%M") for schedule in plan.schedules.all()
                ],
            }
            for plan in plans
        ],
        "stretches_done": [
            {"date": c.date.isoformat(), "time": c.schedule.time_of_day.strftime("%H:%M")}
            for c in Completion.objects.filter(patient=user).select_related("schedule")
        ],
        "reminders_sent": [
            {
                "kind": d.kind,
                "channel": d.channel,
                "due_at": d.slot.isoformat(),
                "status": d.status,
            }
            for d in Delivery.objects.filter(patient=user).order_by("slot")
        ],
        "see_a_doctor_alerts": [
            {
                "kind": a.kind,
                "since": a.started_on.isoformat(),
                "alerted_at": a.alerted_at.isoformat(),
            }
            for a in DoctorAlert.objects.filter(patient=user)
        ],
        "push_subscriptions": [
            {"endpoint": s.endpoint, "created_at": s.created_at.isoformat()}
            for s in PushSubscription.objects.filter(patient=user)
        ],
    }


def seed(patient, physiotherapist, log) -> None:
    """The demo patient's plan: three stretches, reminders at 08:00 and 19:00 by email."""
    library = ensure_library()
    plan = StretchPlan.objects.of(patient).first()
    if plan is None:
        plan = StretchPlan.objects.create(
            patient=patient,
            physiotherapist=physiotherapist,
            starts_on=timezone.localdate() - dt.timedelta(days=7),
            notes="Stretch gently: a pull, never pain. Stop and tell me if the calf swells.",
        )
        log(f"Created a stretch plan for {patient.email}")
    for position, slug in enumerate(DEMO_STRETCHES):
        PlanItem.objects.get_or_create(
            plan=plan, exercise=library[slug], defaults={"position": position}
        )
    for time in DEMO_TIMES:
        if not ReminderSchedule.objects.filter(plan=plan, time_of_day=time).exists():
            ReminderSchedule.objects.create(plan=plan, time_of_day=time)
    if not patient.remind_by_email:
        patient.remind_by_email = True
        patient.save(update_fields=["remind_by_email"])
