"""The shared exercise library and plan templates, in our own words, seeded idempotently.

The texts live beside this module as data (``exercise_library.json``,
``plan_templates.json``). Seeding creates what is missing and leaves alone what an
administrator has since edited: the slug is the key.
"""

import datetime as dt
import json
from functools import cache
from pathlib import Path

from django.db import transaction

from reminders.models import Exercise, PlanTemplate, PlanTemplateItem, PlanTemplateTime

HERE = Path(__file__).parent
VARIANTS = ("easier", "harder")


@cache
def library_data() -> list[dict]:
    return json.loads((HERE / "exercise_library.json").read_text(encoding="utf-8"))


@cache
def template_data() -> list[dict]:
    return json.loads((HERE / "plan_templates.json").read_text(encoding="utf-8"))


@transaction.atomic
def ensure_library() -> dict[str, Exercise]:
    """Create the shared exercises that are missing; leave edited ones alone.

    Variants are linked in a second pass (they point at each other), and cautions filled
    in, only where the exercise has none yet, so that an administrator's choice stands.
    """
    slugs = [data["slug"] for data in library_data()]
    exercises = Exercise.objects.in_bulk(slugs, field_name="slug")
    Exercise.objects.bulk_create(
        Exercise(**{key: value for key, value in data.items() if key not in VARIANTS})
        for data in library_data()
        if data["slug"] not in exercises
    )
    if len(exercises) < len(slugs):
        exercises = Exercise.objects.in_bulk(slugs, field_name="slug")
    incomplete = []
    for data in library_data():
        exercise = exercises[data["slug"]]
        missing = [name for name in VARIANTS if getattr(exercise, f"{name}_id") is None]
        for name in missing:
            setattr(exercise, name, exercises[data[name]])
        if not exercise.cautions:  # a starter exercise from before cautions existed
            exercise.cautions = data["cautions"]
            missing.append("cautions")
        if missing:
            incomplete.append(exercise)
    if incomplete:
        Exercise.objects.bulk_update(incomplete, [*VARIANTS, "cautions"])
    return exercises


@transaction.atomic
def ensure_templates() -> dict[str, PlanTemplate]:
    """Create the shared plan templates that are missing, with their exercises and times."""
    library = ensure_library()
    templates = {}
    for data in template_data():
        template, created = PlanTemplate.objects.get_or_create(
            slug=data["slug"],
            defaults={
                key: data[key] for key in ("name", "condition_notes", "patient_notes", "weeks")
            },
        )
        templates[data["slug"]] = template
        if not created:
            continue
        PlanTemplateItem.objects.bulk_create(
            PlanTemplateItem(
                template=template,
                position=position,
                exercise=library[item["exercise"]],
                **{key: item[key] for key in ("hold_seconds", "reps", "sets")},
            )
            for position, item in enumerate(data["items"])
        )
        PlanTemplateTime.objects.bulk_create(
            PlanTemplateTime(
                template=template,
                time_of_day=dt.time.fromisoformat(time["time_of_day"]),
                weekdays=time["weekdays"],
            )
            for time in data["times"]
        )
    return templates
