"""Rows of the exercise library and plan templates that belong to a user, for
test_data_rights.py: a physio's own exercise and template (any user's are linked the same
way, so the factories take the patient the test hands them)."""

import datetime as dt

from reminders.models import Exercise, ExerciseOwner, PlanTemplate


def template_of(user, world) -> tuple[str, str, str]:
    """The user's own template with an exercise and a time: what the export must show."""
    if ("template", user.pk) not in world:
        template = PlanTemplate.objects.create(
            slug=f"t{user.pk}", name=f"template {user.pk}", owner=user
        )
        item = template.items.create(exercise=Exercise.objects.first(), notes=f"do {user.pk}")
        time = template.times.create(time_of_day=dt.time(6, user.pk % 60))
        world["template", user.pk] = (template.name, item.notes, time.time_of_day.isoformat())
    return world["template", user.pk]


def make_exercise_owner(user, world) -> str:
    exercise = Exercise.objects.create(slug=f"e{user.pk}", name=f"own {user.pk}", body_area="knee")
    ExerciseOwner.objects.create(exercise=exercise, owner=user)
    return exercise.name
