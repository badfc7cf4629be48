"""Demo data of the reminders app (called through RemindersConfig)."""

import datetime as dt

from django.utils import timezone

from reminders.library import ensure_library, ensure_templates
from reminders.models import (
    PlanItem,
    ReminderSchedule,
    StretchPlan,
)

DEMO_STRETCHES = ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
DEMO_TIMES = [dt.time(8), dt.time(19)]


def seed(patient, physiotherapist, log) -> None:
    """The shared library and plan templates, and the demo patient's plan: three stretches,
    reminders at 08:00 and 19:00 by email."""
    library = ensure_library()
    ensure_templates()
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
