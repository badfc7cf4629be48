"""Every reminder sent: one ``Delivery`` row per send, claimed by a worker before sending,
and the push subscriptions it may go to. The life cycle is in docs/reminders.md.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from reminders.models.plans import ReminderSchedule

# A stretch reminder more than this late helps nobody (a morning stretch at tea time): a slot
# the dispatcher finds later, or a row the broker lost for longer, is skipped, never sent.
STRETCH_GRACE = dt.timedelta(hours=1)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PUSH = "push", _("Push notification")


class Kind(models.TextChoices):
    STRETCH = "stretch", _("Stretch reminder")
    PERSISTING = "see_doctor", _("Symptoms persisting: see a doctor")
    CHECK_IN = "check_in", _("Check-in after a see-a-doctor result")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class DeliveryQuerySet(models.QuerySet):
    def claim(self, pk, now: dt.datetime, lease: dt.timedelta | None = None) -> bool:
        """Take a delivery for sending; one worker at a time gets True for a row.

        With a ``lease``, a row left SENDING longer than that (its worker was killed
        mid-send) can be claimed again. ``claimed_at == now`` then fences the claim: only
        its holder may record the outcome (see ``sending``).
        """
        return self.claim_all([pk], now, lease) == 1

    def claim_all(self, pks, now: dt.datetime, lease: dt.timedelta | None = None) -> int:
        """``claim`` for many rows in one UPDATE; how many were claimed. The claimed ones are
        those SENDING with ``claimed_at == now`` afterwards."""
        claimable = Q(status=Status.QUEUED)
        if lease is not None:
            claimable |= Q(status=Status.SENDING, claimed_at__lt=now - lease)
        return self.filter(claimable, pk__in=pks).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )

    def stretches_of(self, patient):
        return self.filter(patient=patient, kind=Kind.STRETCH)


class Delivery(models.Model):
    """One reminder to one patient on one channel; the row exists before anything is sent."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    schedule = models.ForeignKey(
        ReminderSchedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    doctor_alert = models.ForeignKey(
        "DoctorAlert",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_column="episode_id",  # its name before the alerts had one name
    )
    slot = models.DateTimeField(_("due at"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When a send task was last handed to the broker (or is due to run, for a retry); the
    # dispatch pass hands a QUEUED row again once this is old (the broker lost it).
    enqueued_at = models.DateTimeField(_("queued for sending"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-slot"]
        indexes = [
            models.Index(fields=["patient", "kind", "-slot"], name="delivery_patient_recent"),
            models.Index(
                fields=["status", "enqueued_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="delivery_unfinished",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "slot", "channel"], name="delivery_once_per_slot"
            ),
            models.UniqueConstraint(
                fields=["doctor_alert", "channel"], name="delivery_once_per_alert"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="delivery_kind_valid"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="delivery_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="stretch", doctor_alert__isnull=True)
                | (~Q(kind="stretch") & Q(schedule__isnull=True, doctor_alert__isnull=False)),
                name="delivery_stretch_or_alert",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.slot:%Y-%m-%d %H:%M} {self.channel}"

    @classmethod
    def per_channel(cls, patient, channels: list[str], **fields) -> list["Delivery"]:
        """One unsaved row for each of ``channels``: a reminder is recorded on each."""
        return [cls(patient=patient, channel=channel, **fields) for channel in channels]

    @property
    def local_slot(self) -> dt.datetime:
        zone = self.schedule.zone if self.schedule_id else self.patient.zone
        return self.slot.astimezone(zone)


class PushSubscription(models.Model):
    """A browser's Web Push subscription, exactly as ``PushManager.subscribe()`` gave it."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return self.endpoint[:60]

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
