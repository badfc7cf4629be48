"""A user's data: exported whole, deleted whole; and the hooks each app plugs into, so this
package never imports an app's models.

The export and deletion find the user's data by introspection: every model with a chain of
foreign keys to the user. An app adds demo data and offline pages by defining methods on its
AppConfig:

- ``seed_demo(patient, physiotherapist, log)``: idempotent demo data for ``seed_demo``;
- ``offline_files``: the static files (by name) the service worker precaches for it, and
  ``offline_urls()``: the pages and run-time files it precaches besides.

Deleting an account relies on foreign keys to the user with ``on_delete=CASCADE``
(sessions included: ``UserSession``); ``delete_account_and_data`` also removes what names
the deleted rows without a foreign key (the admin's log) and the sign-in counters.
"""

import functools
import re

from django.apps import apps
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.templatetags.static import static
from django.utils import timezone

from kneeapp import audit
from kneeapp.models import LoginThrottle, User
from kneeapp.signin import account_key

# Stored fields the export leaves out, each a secret: a password hash, what a session cookie
# opens, what decrypts push messages. Everything else stored is exported.
SECRET_FIELDS = {
    "kneeapp.User": {"password"},
    "kneeapp.UserSession": {"session_key", "session_data"},
    "reminders.PushSubscription": {"auth"},
}
# Models linked to the user that the export leaves out, and why.
NOT_EXPORTED = {
    "admin.LogEntry": "the admin's record of what staff changed; it names other patients",
}
MAX_CHAIN = 4  # Delivery -> ReminderSchedule -> StretchPlan -> User is 3


def chains_to_user(model, depth: int = 0) -> list[str]:
    """ORM lookups from ``model`` to a user, through forward foreign keys and one-to-ones."""
    if model._meta.concrete_model is User:
        return ["pk"]
    if depth == MAX_CHAIN:
        return []
    found = []
    for field in model._meta.get_fields():
        if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
            for rest in chains_to_user(field.related_model, depth + 1):
                found.append(field.name if rest == "pk" else f"{field.name}__{rest}")
    return found


@functools.cache
def models_with_user_data() -> dict[str, list[str]]:
    """Every model with rows linked to a user, by label, with the lookups that link them
    (found once, when first asked, after every app's models have loaded)."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy:  # the same rows as its concrete model
            continue
        if chains := chains_to_user(model):
            found[model._meta.label] = chains
    return found


def rows_of(label: str, user) -> models.QuerySet:
    """``label``'s rows reached from ``user`` through any chain of foreign keys."""
    match = models.Q(pk__in=[])
    for chain in models_with_user_data()[label]:
        match |= models.Q(**{chain: user.pk})
    return apps.get_model(label).objects.filter(match).distinct().order_by("pk")


def _value(row, field, user):
    if field.many_to_many:
        return sorted(str(related) for related in getattr(row, field.name).all())
    if field.is_relation:
        related = getattr(row, field.name)
        if related is None:
            return None
        # A row of the user's own (in the export too) by its id, anything else by its name:
        # an exercise of the library, the physiotherapist.
        linked = related._meta.label in models_with_user_data()
        own = related == user or (type(related) is not User and linked)
        return related.pk if own else str(related)
    value = field.value_from_object(row)
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_user_data(user) -> dict:
    """Every stored field of every row linked to ``user``, but ``SECRET_FIELDS``: by model
    label, a list of rows, each a dict of field name to value (ISO 8601 for times, in UTC)."""
    data = {}
    for label in sorted(set(models_with_user_data()) - set(NOT_EXPORTED)):
        meta = apps.get_model(label)._meta
        secret = SECRET_FIELDS.get(label, set())
        fields = [f for f in [*meta.concrete_fields, *meta.many_to_many] if f.name not in secret]
        data[label] = [
            {field.name: _value(row, field, user) for field in fields}
            for row in rows_of(label, user)
        ]
    return {"exported_at": timezone.now().isoformat(), "data": data}


def delete_account_and_data(user) -> None:
    """Delete the user, every row that is theirs, and every trace that names them.

    The admin's log keeps a readable name of each object staff changed (``Plan of Pat from
    ...``) with no foreign key to it: the lines of the user's rows go, and any other line
    (a plan a physiotherapist deleted earlier) has the user's name and email struck out.
    The admin's own record of deleting the account stays, naming a pseudonym.
    """
    with transaction.atomic():
        collector = Collector(using=router.db_for_write(type(user)), origin=user)
        collector.collect([user])
        doomed = {model: {obj.pk for obj in objects} for model, objects in collector.data.items()}
        for queryset in collector.fast_deletes:
            doomed.setdefault(queryset.model, set()).update(queryset.values_list("pk", flat=True))
        own_deletion = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(user.pk),
            action_flag=DELETION,
        )
        own_deletion.update(object_repr=f"patient {audit.pseudonym(user.pk)}", change_message="")
        for model, pks in doomed.items():
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in pks],
            ).exclude(pk__in=own_deletion.values("pk")).delete()
        strike_out_of_the_admin_log(user)
        LoginThrottle.objects.filter(key=account_key(user.email)).delete()
        audit.forget_patient(user)
        user.delete()


def strike_out_of_the_admin_log(user) -> None:
    """Replace the user's name and email in every admin log line that still holds them."""
    names = [text for text in (user.email, user.name.strip()) if text]
    pattern = re.compile("|".join(rf"\b{re.escape(text)}\b" for text in names), re.IGNORECASE)
    mentions = models.Q()
    for text in names:
        mentions |= models.Q(object_repr__icontains=text) | models.Q(change_message__icontains=text)
    for entry in LogEntry.objects.filter(mentions):
        entry.object_repr = pattern.sub("a deleted patient", entry.object_repr)
        entry.change_message = pattern.sub("a deleted patient", entry.change_message)
        entry.save(update_fields=["object_repr", "change_message"])


def seed_demo(patient, physiotherapist, log) -> None:
    for config in apps.get_app_configs():
        if hasattr(config, "seed_demo"):
            config.seed_demo(patient, physiotherapist, log)


def offline_urls() -> list[str]:
    """Pages and files every app wants the service worker to precache (each once: several
    apps' scripts need the same shared one)."""
    urls: list[str] = []
    for config in apps.get_app_configs():
        files = [static(name) for name in getattr(config, "offline_files", ())]
        for url in [*files, *getattr(config, "offline_urls", lambda: [])()]:
            if url not in urls:
                urls.append(url)
    return urls
