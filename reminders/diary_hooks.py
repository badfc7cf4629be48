"""Our part of the diary, registered into ``diary.extensions`` from ``RemindersConfig.ready``."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reminders.adherence import adherence
from reminders.models import PlanItem


def plan_stretch_choices(patient) -> list[tuple[int, str]]:
    """The patient's plan items, newest plan first (older ones so old entries stay valid)."""
    items = (
        PlanItem.objects.filter(plan__patient=patient)
        .select_related("exercise", "plan")
        .order_by("-plan__starts_on", "-plan__pk", "position", "pk")
    )
    return [(item.pk, item.exercise.name) for item in items]


def plan_adherence_section(patient, start, end):
    from diary.extensions import ReportSection

    result = adherence(patient, start, end)
    if not result.due:
        return None
    html = render_to_string("reminders/report_section.html", {"adherence": result})
    return ReportSection(title=_("Stretch plan"), html=html)
