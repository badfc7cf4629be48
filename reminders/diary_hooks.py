"""Our part of the diary, registered into ``diary.extensions`` from ``RemindersConfig.ready``."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reminders.adherence import adherence
from reminders.feedback import per_exercise
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


def exercise_feedback_section(patient, start, end):
    """How each exercise felt, for the consult pack; always shown when there is a plan, so
    the reader knows feedback was asked for and none came."""
    from diary.extensions import ReportSection

    rows = per_exercise(patient, start, end)
    if not rows and not PlanItem.objects.filter(plan__patient=patient).exists():
        return None
    html = render_to_string("reminders/consult_feedback.html", {"rows": rows})
    return ReportSection(title=_("How the exercises felt"), html=html)
