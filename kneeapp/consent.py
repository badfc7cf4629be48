"""Consent to processing health data: the text a patient agrees to, by version, and the record
of each agreement and withdrawal.

A patient agrees at sign-up (the row is saved with the account) and may withdraw on the
consent page, reached from the account page. A new version of the text (a new entry in
``TEXTS`` and ``CURRENT_VERSION`` pointing at it) asks every patient again at their next
request: ``ConsentMiddleware`` sends pages to the consent page and answers the API with 403
``{"code": "consent_required"}``, which the offline outbox (static/kneeapp/outbox.js) keeps
its writes for. Staff (physiotherapists, administrators) are never asked.

Withdrawing stops the reminders (each app that sends something registers a
``consent_withdrawn(user)`` method on its AppConfig, as for the export) and hides the patient
from their physiotherapist (``UserQuerySet.patients_of``, the one place that decides whom a
physiotherapist may see). An account from before consent was asked for, with no row at all,
is asked at its next request and stays visible to its physiotherapist until it withdraws.

This module imports no app: ``kneeapp/models.py`` imports it, and every app may use it.
"""

import datetime as dt
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

# The text of each version, kept for ever: a row names the version its patient agreed to.
# A new version gets a new key (the date it takes effect) and CURRENT_VERSION moves to it.
TEXTS = {
    "2026-12-03": """\
What we keep. When you use kneeapp with an account, we store what you enter about your knee: \
the answers to the symptom checker and its results, your pain diary (pain, swelling, \
stiffness, warning signs and your notes), your stretch plan and which stretches you did, and \
your reminder settings. This is health data, and we need your permission to keep it.

Why. To show you your history, to send the stretch reminders you ask for, and to suggest \
seeing a doctor when your diary shows pain that persists or gets worse.

Who sees it. You do. If the clinic has given you a physiotherapist, they can read your diary, \
plan and results in the clinic's system from time to time, to adjust your plan. They do not \
watch it live: kneeapp is not for emergencies. If you are in danger, call 999 or 112.

Your choices. You can withdraw this permission at any time on your account page. Reminders \
then stop and your physiotherapist no longer sees your data. You can download all your data, \
and you can delete your account and everything in it for good, whether or not you agree.""",
}
CURRENT_VERSION = "2026-12-03"

CONSENT_REQUIRED = "consent_required"
# Pages a patient without consent may still open: the consent page itself, signing out, the
# ways to take their data away (export, deletion), what the app shell needs to load, the
# public description of the API, and the one-click unsubscribe of a reminder email.
EXEMPT_VIEWS = frozenset(
    {
        "consent",
        "logout",
        "delete_account",
        "api-export",
        "health",
        "manifest",
        "service-worker",
        "offline",
        "api-schema",
        "api-docs",
        "reminders:unsubscribe",
    }
)


def version_date(version: str) -> dt.date:
    """A version is named by the date its text takes effect; people read it as a date."""
    return dt.date.fromisoformat(version)


def paragraphs(version: str | None = None) -> list[str]:
    """The text of ``version`` (the current one by default), paragraph by paragraph."""
    return TEXTS[version or CURRENT_VERSION].split("\n\n")


class ConsentQuerySet(models.QuerySet):
    def standing(self):
        """Agreements not withdrawn, of any version."""
        return self.filter(withdrawn_at__isnull=True)

    def current(self):
        """Agreements not withdrawn, to the text in force now."""
        return self.standing().filter(version=CURRENT_VERSION)

    def give(self, patient, version: str | None = None) -> "Consent":
        """Record that ``patient`` agrees to ``version`` (the current one by default). Agreeing
        twice (a double click, two tabs) keeps the first row."""
        version = version or CURRENT_VERSION
        found = self.standing().filter(patient=patient, version=version).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return self.create(patient=patient, version=version)
        except IntegrityError:  # the same agreement recorded in parallel: theirs stands
            return self.standing().get(patient=patient, version=version)

    def withdraw(self, patient, now=None) -> int:
        """End every standing agreement of ``patient`` and tell each app; how many ended.

        One transaction: the reminders stop together with the consent."""
        with transaction.atomic():
            ended = (
                self.standing().filter(patient=patient).update(withdrawn_at=now or timezone.now())
            )
            for config in apps.get_app_configs():
                if hasattr(config, "consent_withdrawn"):
                    config.consent_withdrawn(patient)
        return ended


class Consent(models.Model):
    """One patient's agreement to one version of the consent text, and its withdrawal."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("patient"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    version = models.CharField(gettext_lazy("version of the text"), max_length=32)
    given_at = models.DateTimeField(gettext_lazy("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(gettext_lazy("withdrawn"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        app_label = "kneeapp"
        verbose_name = gettext_lazy("consent")
        verbose_name_plural = gettext_lazy("consents")
        ordering = ["-given_at", "-pk"]
        constraints = [
            # Also the index behind the one query ConsentMiddleware makes per request.
            models.UniqueConstraint(
                fields=["patient", "version"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_standing_per_version",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.version} {self.given_at:%Y-%m-%d %H:%M}"

    @property
    def version_date(self) -> dt.date:
        return version_date(self.version)

    @property
    def is_current(self) -> bool:
        return self.version == CURRENT_VERSION and self.withdrawn_at is None


def sharing_condition() -> models.Q:
    """Users who have not withdrawn their consent: those with a standing agreement, and
    accounts from before consent was asked for (no row at all). Two indexed subqueries."""
    rows = Consent.objects.filter(patient=OuterRef("pk"))
    return Exists(rows.standing()) | ~Exists(rows)


def with_consent(users):
    """``users`` with ``has_current_consent``: the signed-in user is fetched so
    (``ThrottledModelBackend.get_user``), and ``must_consent`` then asks no query."""
    current = Consent.objects.current().filter(patient=OuterRef("pk"))
    return users.annotate(has_current_consent=Exists(current))


def must_consent(user) -> bool:
    """Whether ``user`` (a signed-in patient) is to be asked before going on: no query for
    the signed-in user fetched by ``with_consent``, one for any other."""
    if not user.is_authenticated or user.is_staff:
        return False
    consented = getattr(user, "has_current_consent", None)
    if consented is None:
        consented = Consent.objects.current().filter(patient=user).exists()
    return not consented


def consent_url(next_url: str = "") -> str:
    url = reverse("consent")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class ConsentMiddleware:
    """Ask a signed-in patient without consent to the current text before anything else.

    Pages are sent to the consent page (with ``?next=``); the API answers 403 with
    ``{"code": "consent_required"}`` and does nothing, so the outbox keeps the write. Goes
    after the authentication and session timeout middleware (a session that just ended is
    a visitor's, not asked) and before anything a view does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match.view_name in EXEMPT_VIEWS or match.namespace == "admin":
            return None  # the admin is for staff, and asks a patient to sign in as staff
        if not must_consent(request.user):
            return None
        if request.path.startswith("/api/"):
            detail = _("Please read and agree to how kneeapp uses your health data first.")
            return JsonResponse(
                {"code": CONSENT_REQUIRED, "detail": detail, "consent_url": reverse("consent")},
                status=403,
            )
        url = consent_url(request.get_full_path() if request.method == "GET" else "")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)  # a fragment request: the whole page goes
        return HttpResponseRedirect(url)
