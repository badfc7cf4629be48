"""The admin's side doors, for the access matrix: changelist queries, autocomplete, actions.

A physiotherapist's querysets are narrowed to their own patients; these helpers list every
way a URL could still name another physiotherapist's patient: a search, a filter in the
query string, an autocomplete source, an action on a selected id.
"""

from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from kneeapp.models import User


def admin_id(model_admin) -> str:
    return f"{model_admin.opts.app_label}.{model_admin.opts.model_name}"


def changelist_url(model_admin) -> str:
    return reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")


def patient_model_admins() -> list:
    """Every registered admin of patients or of things a patient owns."""
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model is User or any(field.name == "patient" for field in model._meta.get_fields())
    ]


def owner_of(row) -> int:
    """The patient a changelist row belongs to."""
    return row.pk if isinstance(row, User) else row.patient_id


def probes(world, model_admin, victim: str) -> list[dict]:
    """Query strings naming ``victim`` (a patient) on ``model_admin``'s changelist."""
    user = world.users[victim]
    physio = user.physiotherapist
    target = world.admin_object(*admin_id(model_admin).split("."), owner=victim)
    queries = [
        {"q": user.name},
        {"q": user.email},
        {"id__exact": target.pk},
        {"pk": target.pk},
        {"id__in": str(target.pk)},
    ]
    if model_admin.model is User:
        return queries + [
            {"physiotherapist__id__exact": physio.pk},
            {"physiotherapist": physio.pk},
            {"email": user.email},
            {"physiotherapist__email": physio.email},
        ]
    return queries + [
        {"patient__id__exact": user.pk},
        {"patient": user.pk},
        {"patient__email": user.email},
        {"patient__physiotherapist__id__exact": physio.pk},
        {"patient__physiotherapist": physio.pk},
    ]


def autocomplete_sources() -> list[tuple[str, str, str]]:
    """Every (app_label, model_name, field_name) whose related model the admin can search.

    Django's autocomplete view takes any relation field of any model, not only the ones an
    admin lists in ``autocomplete_fields``, and searches the related model's admin. Only
    forward relations: Django's view fails on a reverse one (a 500, before any query).
    """
    sources = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created:
                continue
            related = getattr(field.remote_field, "model", None)
            if related in admin.site._registry and admin.site._registry[related].search_fields:
                sources.append((model._meta.app_label, model._meta.model_name, field.name))
    return sorted(set(sources))


def source_field(source: tuple[str, str, str]):
    app_label, model_name, field_name = source
    return apps.get_model(app_label, model_name)._meta.get_field(field_name)
