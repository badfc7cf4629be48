"""The physiotherapist's list of patients who need attention (reminders/attention.py says why).

``AttentionReview`` is when a physiotherapist last marked a patient as reviewed: the list then
shows only what happened after it. ``PatientNeedingAttention`` is the admin's view of the
patients (a proxy of the user model: no table of its own).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AttentionReview(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="attention_reviews",
    )
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("physiotherapist"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "physiotherapist"], name="attention_review_once_per_pair"
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.reviewed_at:%Y-%m-%d %H:%M}"


class PatientNeedingAttention(get_user_model()):
    class Meta:
        proxy = True
        verbose_name = _("patient needing attention")
        verbose_name_plural = _("patients needing attention")
