"""Export and seed hooks that each app plugs into, so this package never imports an app's models.

An app adds its part by defining methods on its AppConfig:

- ``export_user_data(user) -> dict``: everything of that app the user owns, JSON-ready.
- ``seed_demo(patient, physiotherapist, log)``: idempotent demo data for ``seed_demo``.

Deleting an account relies on foreign keys to the user with ``on_delete=CASCADE``
(sessions included: ``UserSession``); ``delete_account_and_data`` also removes what names
the deleted rows without a foreign key (the admin's log) and the sign-in counters.
"""

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from kneeapp import audit
from kneeapp.models import LoginThrottle
from kneeapp.signin import account_key


def export_user_data(user) -> dict:
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "name": user.name,
            "date_joined": user.date_joined.isoformat(),
            "time_zone": user.time_zone,
            "remind_by_email": user.remind_by_email,
            "remind_by_push": user.remind_by_push,
            "quiet_hours_start": user.quiet_hours_start and user.quiet_hours_start.isoformat(),
            "quiet_hours_end": user.quiet_hours_end and user.quiet_hours_end.isoformat(),
            "physiotherapist": user.physiotherapist and user.physiotherapist.email,
        },
        # When each signed-in session ends; never the session keys themselves.
        "sessions": [
            {"expires_at": session.expire_date.isoformat()}
            for session in user.sessions.order_by("expire_date")
        ],
        # Each agreement to a version of the consent text, and its withdrawal.
        "consents": [
            {
                "version": row.version,
                "given_at": row.given_at.isoformat(),
                "withdrawn_at": row.withdrawn_at and row.withdrawn_at.isoformat(),
            }
            for row in user.consents.order_by("given_at", "pk")
        ],
        # Who in the clinic looked at or changed this account's data, and when.
        "staff_access": [
            {
                "at": row.at.isoformat(),
                "staff": row.staff_name,
                "action": row.action,
                "what": row.what,
            }
            for row in user.staff_accesses.order_by("at", "pk")
        ],
    }
    for config in apps.get_app_configs():
        if hasattr(config, "export_user_data"):
            data[config.label] = config.export_user_data(user)
    return data


def delete_account_and_data(user) -> None:
    """Delete the user, every row that is theirs, and every trace that names those rows.

    The admin's log keeps a readable name of each object a physiotherapist changed (``Plan
    of Pat from ...``) with no foreign key to it: those lines go too.
    """
    with transaction.atomic():
        collector = Collector(using=router.db_for_write(type(user)), origin=user)
        collector.collect([user])
        doomed = {model: {obj.pk for obj in objects} for model, objects in collector.data.items()}
        for queryset in collector.fast_deletes:
            doomed.setdefault(queryset.model, set()).update(queryset.values_list("pk", flat=True))
        for model, pks in doomed.items():
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in pks],
            ).delete()
        LoginThrottle.objects.filter(key=account_key(user.email)).delete()
        audit.forget_patient(user)
        user.delete()


def seed_demo(patient, physiotherapist, log) -> None:
    for config in apps.get_app_configs():
        if hasattr(config, "seed_demo"):
            config.seed_demo(patient, physiotherapist, log)


def offline_urls() -> list[str]:
    """Pages and files every app wants the service worker to precache."""
    urls: list[str] = []
    for config in apps.get_app_configs():
        for url in getattr(config, "offline_urls", lambda: [])():
            if url not in urls:
                urls.append(url)
    return urls
