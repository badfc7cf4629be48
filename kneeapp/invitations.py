"""A physiotherapist invites a patient; the patient accepts, and can end the link.

The physiotherapist adds an invitation in the admin (an email address); a task emails a link
to ``/account/invitation/<token>/``. The token is signed, names the invitation and expires
after ``INVITATION_DAYS``; the invitation is single-use (``accepted_at``). Following it:

- someone without an account signs up there (their email is the invited one), agreeing to the
  consent text, and is linked to the physiotherapist in the same step;
- a signed-in patient is asked to agree, then linked;
- someone signed out whose address has an account is sent to sign in first.

No physiotherapist sees a patient before the patient accepted: the admin narrows them to
``User.physiotherapist``, which only acceptance (or an administrator) sets. The patient sees
who their physiotherapist is on the account page and can end the link there: the
physiotherapist loses access at once and the current plan ends, so its reminders stop.
The pages are in ``kneeapp/accounts.py``; the admin in ``kneeapp/admin.py``; the email is the
task ``kneeapp.tasks.send_invitation``.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SALT = "kneeapp.invitation"


class InvitationQuerySet(models.QuerySet):
    def sent_by(self, physiotherapist):
        return self.filter(physiotherapist=physiotherapist)

    def open(self, now: dt.datetime | None = None):
        return self.filter(accepted_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An invitation by email from a physiotherapist to a patient, used at most once."""

    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("physiotherapist"),
        on_delete=models.CASCADE,
        related_name="invitations_sent",
    )
    email = models.EmailField(gettext_lazy("patient's email address"))
    created_at = models.DateTimeField(gettext_lazy("sent"), default=timezone.now)
    expires_at = models.DateTimeField(gettext_lazy("expires"))
    accepted_at = models.DateTimeField(gettext_lazy("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        app_label = "kneeapp"
        verbose_name = gettext_lazy("invitation")
        verbose_name_plural = gettext_lazy("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return _("%(email)s, invited by %(physio)s") % {
            "email": self.email,
            "physio": self.physiotherapist,
        }

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        if self.expires_at is None:
            self.expires_at = (self.created_at or timezone.now()) + dt.timedelta(
                days=settings.INVITATION_DAYS
            )
        super().save(*args, **kwargs)

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return _("accepted")
        if self.expires_at <= timezone.now():
            return _("expired")
        return _("waiting")

    @property
    def token(self) -> str:
        return signing.dumps(self.pk, salt=SALT)

    @property
    def link(self) -> str:
        return settings.SITE_URL + reverse("invitation", args=[self.token])

    def accept(self, patient) -> None:
        """Link ``patient`` to the physiotherapist who invited them (the row is locked)."""
        patient.physiotherapist = self.physiotherapist
        patient.save(update_fields=["physiotherapist"])
        self.accepted_at, self.accepted_by = timezone.now(), patient
        self.save(update_fields=["accepted_at", "accepted_by"])


def open_invitation(token: str, *, for_update: bool = False) -> Invitation | None:
    """The invitation a link names, if the link is genuine, unexpired and unused."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=settings.INVITATION_DAYS))
    except signing.BadSignature:
        return None
    invitations = Invitation.objects.open().select_related("physiotherapist")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(pk=pk).first()
