"""The audit trail of staff access: who in the admin looked at or changed whose data, and when.

Every admin page a physiotherapist or an administrator opens on a patient's account, plan,
reminders, alerts or results writes one row per patient it showed (a list page: one row per
patient on the page), in one INSERT, after the page was answered without an error. A change
or a deletion (a POST that redirects) is recorded as such. Rows are never edited; nobody may
delete them in the admin; ``prune`` removes them after ``AUDIT_RETENTION_DAYS``. The patient
sees them on the account page and in the export. When the account is deleted, its rows keep
the staff member, action and time, with the patient replaced by a salted pseudonym.

The recording lives here, in one middleware, so no app's admin needs to know about it: what
an object's patient is comes from its ``patient`` or ``user`` foreign key (or the user itself).
"""

import datetime as dt
import hashlib
import hmac

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Admin URL names end with one of these (``reminders_stretchplan_change``).
OBJECT_PAGES = ("_change", "_delete", "_history")
LIST_PAGE = "_changelist"


class Action(models.TextChoices):
    LISTED = "listed", _("saw in a list")
    VIEWED = "viewed", _("opened")
    CHANGED = "changed", _("changed")
    DELETED = "deleted", _("deleted")


class StaffAccess(models.Model):
    """One look at (or change to) one patient's data by one staff member."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as written at the time: the row outlives a staff account or its new name.
    staff_name = models.CharField(_("staff member's name"), max_length=254)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="staff_accesses",
    )
    # Set when the patient's account is deleted: the same pseudonym for all their rows.
    patient_pseudonym = models.CharField(_("deleted patient"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    what = models.CharField(_("what"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)

    class Meta:
        app_label = "kneeapp"
        verbose_name = _("staff access")
        verbose_name_plural = _("staff access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="staff_access_patient_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values), name="staff_access_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.staff_name} {self.action} {self.what} {self.at:%Y-%m-%d %H:%M}"


def patient_id_of(obj) -> int | None:
    """The patient whose data ``obj`` is, or None (the exercise library, a staff account,
    the audit trail itself)."""
    if isinstance(obj, StaffAccess):
        return None
    if isinstance(obj, apps.get_model(settings.AUTH_USER_MODEL)):
        return None if obj.is_staff else obj.pk
    for name in ("patient_id", "user_id"):
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def pseudonym(user_id: int) -> str:
    """A stable name for a deleted patient's rows that cannot be turned back into the id
    without the secret key."""
    key = f"{settings.SECRET_KEY}:staff-access-pseudonym".encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def forget_patient(user) -> None:
    """Before ``user`` is deleted: their rows keep staff, action and time, not who they were."""
    StaffAccess.objects.filter(patient=user).update(
        patient=None, patient_pseudonym=pseudonym(user.pk)
    )


def prune(now: dt.datetime | None = None) -> int:
    """Delete rows older than the retention period; how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = StaffAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


class StaffAccessMiddleware:
    """Record admin pages that showed patients' data (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.namespace != "admin" or not match.url_name:
            return response
        if response.status_code >= 400:
            return response
        if not getattr(request, "user", None) or not request.user.is_staff:
            return response
        rows = accesses(request, match, response)
        if rows:
            StaffAccess.objects.bulk_create(rows)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Find an object page's patient before the view runs (a deletion removes it)."""
        match = request.resolver_match
        if match.namespace != "admin" or not (match.url_name or "").endswith(OBJECT_PAGES):
            return None
        if not request.user.is_staff or "object_id" not in view_kwargs:
            return None
        model = model_of(match.url_name)
        if model is None:
            return None
        try:
            obj = model._default_manager.filter(pk=view_kwargs["object_id"]).first()
        except (ValueError, ValidationError):  # not an id of this model: the admin says so
            return None
        request.audit_object = (model, view_kwargs["object_id"], obj and patient_id_of(obj))
        return None


def model_of(url_name: str):
    """The model of an admin URL name (``reminders_stretchplan_change``), if it is one."""
    for model in apps.get_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if url_name.startswith(prefix) and url_name[len(prefix) :] in (
            "change",
            "delete",
            "history",
            "changelist",
        ):
            return model
    return None


def accesses(request, match, response) -> list[StaffAccess]:
    staff = request.user
    made = {"staff": staff, "staff_name": staff.get_full_name()[:254], "at": timezone.now()}
    if match.url_name.endswith(LIST_PAGE):
        listing = (getattr(response, "context_data", None) or {}).get("cl")
        if listing is None:
            return []
        patients = {patient_id_of(obj) for obj in listing.result_list} - {None, staff.pk}
        what = str(listing.model._meta.verbose_name_plural)[:100]
        return [
            StaffAccess(patient_id=pk, action=Action.LISTED, what=what, **made)
            for pk in sorted(patients)
        ]
    found = getattr(request, "audit_object", None)
    if found is None or found[2] is None or found[2] == staff.pk:
        return []
    model, object_id, patient_id = found
    if request.method == "POST":
        if response.status_code != 302:
            return []  # a form shown again with its errors changed nothing
        action = Action.DELETED if match.url_name.endswith("_delete") else Action.CHANGED
    elif response.status_code == 200:
        action = Action.VIEWED
    else:
        return []  # sent elsewhere (not theirs to see): nothing was shown
    gone = action == Action.DELETED and not (
        apps.get_model(settings.AUTH_USER_MODEL).objects.filter(pk=patient_id).exists()
    )
    if gone:  # the patient's own account was deleted: name them as their old rows now do
        patient_id, made["patient_pseudonym"] = None, pseudonym(patient_id)
    return [
        StaffAccess(
            patient_id=patient_id,
            action=action,
            what=str(model._meta.verbose_name)[:100],
            object_id=str(object_id)[:64],
            **made,
        )
    ]
