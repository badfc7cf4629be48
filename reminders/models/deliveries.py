"""Every reminder sent: one ``Delivery`` row per send, claimed by a worker before sending,
and the push subscriptions it may go to. The life cycle is in docs/reminders.md.
"""

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kneeapp.models import ReminderChannels
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
    NUDGE = "nudge", _("Nudge after days with nothing logged")
    PSFS = "psfs", _("Rate your activities (PSFS)")


# The kinds sent as urgent: a doctor alert's see-a-doctor and check-in reminders (not the
# everyday ones, nor the PSFS ask, though that too hangs on an alert row).
URGENT_KINDS = (Kind.PERSISTING, Kind.CHECK_IN)


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class Fallback(models.TextChoices):
    """Why an email went to a patient who chose push with email as fallback."""

    NONE = "", _("Not a fallback")
    PUSH_FAILED = "push_failed", _("The push could not be delivered")
    PUSH_UNCONFIRMED = "push_unconfirmed", _("No push confirmed for 3 days")


# A phone that has confirmed no push sent to it for this long gets its reminders by email too
# (when the patient chose push with email as fallback).
SILENCE = dt.timedelta(days=3)


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
        # A row held until quiet hours end (``not_before``) is not claimed before then.
        claimable = Q(status=Status.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
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
    # When a phone's service worker reported the push shown (the first report counts).
    confirmed_at = models.DateTimeField(_("confirmed by the phone"), null=True, blank=True)
    fallback = models.CharField(
        _("email instead of push because"),
        max_length=16,
        choices=Fallback.choices,
        default=Fallback.NONE,
        blank=True,
    )

    # Held until then (UTC): a stretch reminder due in quiet hours waits for their end
    # (reminders/timing.py). Empty: sent when due.
    not_before = models.DateTimeField(_("held until"), null=True, blank=True)
    # "Later": this row is the original's reminder again, 30 minutes on (reminders/snooze.py).
    # One per original, and never one of a snooze.
    snoozed_from = models.OneToOneField(
        "self",
        verbose_name=_("later again of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="snooze",
    )

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
            # Each once, but for its one "Later" (``snoozed_from``, itself unique).
            models.UniqueConstraint(
                fields=["schedule", "slot", "channel"],
                condition=Q(snoozed_from__isnull=True),
                name="delivery_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["doctor_alert", "channel"],
                condition=Q(snoozed_from__isnull=True),
                name="delivery_once_per_alert",
            ),
            # A nudge's slot is the hour it was decided (reminders/nudges.py).
            models.UniqueConstraint(
                fields=["patient", "slot", "channel"],
                condition=Q(kind="nudge", snoozed_from__isnull=True),
                name="delivery_nudge_once_per_hour",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="delivery_kind_valid"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="delivery_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(fallback__in=Fallback.values), name="delivery_fallback_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="stretch", doctor_alert__isnull=True)
                | Q(kind="nudge", schedule__isnull=True, doctor_alert__isnull=True)
                | (
                    ~Q(kind__in=["stretch", "nudge"])
                    & Q(schedule__isnull=True, doctor_alert__isnull=False)
                ),
                name="delivery_stretch_or_alert",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.slot:%Y-%m-%d %H:%M} {self.channel}"

    @classmethod
    def per_channel(cls, patient, channels: list[str], **fields) -> list["Delivery"]:
        """One unsaved row for each of ``channels``: a reminder is recorded on each."""
        return [cls(patient=patient, channel=channel, **fields) for channel in channels]

    def email_instead(self, reason: str) -> None:
        """After this push failed for good: queue its email, if the patient chose push with
        email as fallback. Once: the unique constraints allow one email per slot or alert,
        and an alert has one already. The dispatch pass's sweep hands it to a sender (within
        a minute)."""
        patient = self.patient
        wanted = patient.email and patient.reminder_channels == ReminderChannels.PUSH_THEN_EMAIL
        if self.channel != Channel.PUSH or not wanted:
            return
        email = Delivery(
            patient=patient,
            kind=self.kind,
            schedule_id=self.schedule_id,
            doctor_alert_id=self.doctor_alert_id,
            slot=self.slot,
            channel=Channel.EMAIL,
            fallback=reason,
        )
        Delivery.objects.bulk_create([email], ignore_conflicts=True)

    @property
    def local_slot(self) -> dt.datetime:
        zone = self.schedule.zone if self.schedule_id else self.patient.zone
        return self.slot.astimezone(zone)


class PushSubscriptionQuerySet(models.QuerySet):
    def heard_from(self, now: dt.datetime):
        """The subscriptions that are not silent: none of the pushes sent to their patient
        more than ``SILENCE`` ago went unconfirmed since the phone's last receipt (or since
        it subscribed with these keys). A phone sent nothing for days is not silent."""
        since = Greatest(Coalesce("confirmed_at", "created_at"), "created_at")
        unconfirmed = Delivery.objects.filter(
            patient=OuterRef("patient"),
            channel=Channel.PUSH,
            status=Status.SENT,
            sent_at__gt=OuterRef("since"),
            sent_at__lte=now - SILENCE,
        )
        return self.alias(since=since).exclude(Exists(unconfirmed))

    def register(
        self,
        patient,
        endpoint: str,
        p256dh: str,
        auth: str,
        user_agent: str = "",
        replaces: str = "",
    ):
        """This browser's subscription as it is now; (row, created).

        The endpoint names one browser: whoever subscribes from it holds it. A new endpoint
        or new keys of the same browser (``replaces`` is its endpoint before) update its row
        rather than add one, so a phone is one row however often the browser renews it; the
        row's ``created_at`` then starts again, and a new patient's row forgets the receipts.
        """
        with transaction.atomic():
            mine_before = Q(endpoint=replaces, patient=patient) if replaces else Q(pk__in=[])
            rows = self.select_for_update().filter(Q(endpoint=endpoint) | mine_before)
            rows = {row.endpoint: row for row in rows}
            row = rows.pop(endpoint, None)
            old = rows.pop(replaces, None)
            if row is None:
                row, old = old, None
            if old is not None:
                old.delete()
            created = row is None
            if created:
                row = self.model(patient=patient, endpoint=endpoint)
            if row.patient_id != patient.pk:
                row.patient, row.confirmed_at = patient, None
            if (row.endpoint, row.p256dh, row.auth) != (endpoint, p256dh, auth) or not row.pk:
                row.endpoint, row.p256dh, row.auth = endpoint, p256dh, auth
                row.created_at = timezone.now()
            if user_agent:
                row.user_agent = user_agent[:200]
            row.save()
        return row, created


class PushSubscription(models.Model):
    """A browser's Web Push subscription, exactly as ``PushManager.subscribe()`` gave it.

    ``created_at`` is when this browser last subscribed with these keys: a new endpoint or
    new keys for the same browser update the row (section "Push you can trust" of
    docs/reminders.md) and start it again.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)
    # When this phone last reported a push shown (the service worker's receipt).
    confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return self.endpoint[:60]

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
