"""The diary: one row per entry a patient writes, keyed by a UUID made on the phone.

Entries are written offline and sent later, perhaps twice, perhaps from two phones, so the
row's id comes from the client (a second send of the same entry finds the same row) and the
newest edit wins by ``client_updated_at``, the moment the patient saved it on the phone.
"""

import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Avg, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary import red_flags as warning_signs
from diary.models.writes import Outcome, WriteResult

NOTES_MAX_LENGTH = 2000
PAIN_MIN, PAIN_MAX = 0, 10

# The fields a patient writes: what a PUT replaces and what "the same body" compares.
CONTENT_FIELDS = (
    "date",
    "pain",
    "swelling",
    "stiffness",
    "walked_normally",
    "rice",
    "pain_relief",
    "stretches_done",
    "notes",
    "red_flags",
)


class Swelling(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class DiaryEntryQuerySet(models.QuerySet):
    def of(self, patient):
        return self.filter(patient=patient)

    def between(self, since=None, until=None):
        entries = self
        if since is not None:
            entries = entries.filter(date__gte=since)
        if until is not None:
            entries = entries.filter(date__lte=until)
        return entries

    def daily_pain(self) -> list[tuple]:
        """``[(date, mean pain), ...]`` oldest first, in one query whatever the number of rows."""
        rows = self.order_by().values("date").annotate(mean=Avg("pain")).order_by("date")
        return [(row["date"], float(row["mean"])) for row in rows]

    def addressed(self, entry_id: uuid.UUID):
        """The entry ``entry_id`` names: its own id, or an id merged into it (an alias)."""
        merged_into = EntryAlias.objects.filter(id=entry_id).values("entry_id")
        return self.filter(Q(pk=entry_id) | Q(pk__in=merged_into))

    def write(self, patient, entry_id: uuid.UUID, content: dict, client_updated_at) -> WriteResult:
        """Create or update the entry ``entry_id`` of ``patient``, last write wins.

        A patient has one entry a day: a new id for a day that has an entry becomes another
        name for it (``EntryAlias``) and updates it by the same rule, its warning signs
        added to the entry's, never dropped. Raises ``DiaryEntry.DoesNotExist`` when the id
        belongs to another patient (neither a create nor an overwrite happens through
        someone else's id), and ``DayTaken`` when an edit moves an entry onto a day that has
        another.
        """
        for attempt in range(2):
            try:
                with transaction.atomic():
                    return self._write(patient, entry_id, content, client_updated_at)
            except IntegrityError:
                # The same entry, or the same day, arrived twice at once (page and service
                # worker, two phones): the second time finds the row the first one made.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _write(self, patient, entry_id, content, client_updated_at) -> WriteResult:
        entry = self.select_for_update().addressed(entry_id).first()
        if entry is not None:
            if entry.patient_id != patient.pk:
                raise self.model.DoesNotExist
            if (
                content["date"] != entry.date
                and self.of(patient).filter(date=content["date"]).exists()
            ):
                raise DayTaken(content["date"])
            return entry.apply(content, client_updated_at)
        deleted = DeletedEntry.objects.select_for_update().filter(pk=entry_id).first()
        if deleted is not None:
            if deleted.patient_id != patient.pk:
                raise self.model.DoesNotExist
            if client_updated_at <= deleted.deleted_at:
                return WriteResult(None, Outcome.DELETED, deleted.deleted_at)
            deleted.delete()  # edited again after the deletion: it comes back
        same_day = self.select_for_update().of(patient).filter(date=content["date"]).first()
        if same_day is not None:
            EntryAlias.objects.create(id=entry_id, entry=same_day)
            return same_day.merge(content, client_updated_at)
        entry = self.create(
            id=entry_id, patient=patient, client_updated_at=client_updated_at, **content
        )
        return WriteResult(entry, Outcome.CREATED)


class DayTaken(Exception):
    """An edit would move an entry onto a day that already has one."""


class DiaryEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="diary_entries",
    )
    date = models.DateField(_("date"))
    pain = models.PositiveSmallIntegerField(_("pain (0 to 10)"))
    swelling = models.CharField(
        _("swelling"), max_length=16, choices=Swelling.choices, default=Swelling.NONE
    )
    stiffness = models.BooleanField(_("stiff knee"), default=False)
    walked_normally = models.BooleanField(_("walked normally"), default=True)
    rice = models.BooleanField(_("rest, ice, compression, raised leg"), default=False)
    pain_relief = models.BooleanField(_("took pain relief"), default=False)
    stretches_done = models.JSONField(_("stretches done"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    red_flags = models.JSONField(_("warning signs"), default=list, blank=True)
    client_updated_at = models.DateTimeField(_("saved on the phone at"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        ordering = ["-date", "-client_updated_at"]
        indexes = [models.Index(fields=["patient", "-date"], name="diary_entry_patient_date")]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="diary_one_entry_per_day"),
            models.CheckConstraint(
                condition=Q(pain__gte=PAIN_MIN, pain__lte=PAIN_MAX), name="diary_entry_pain_0_10"
            ),
            models.CheckConstraint(
                condition=Q(swelling__in=Swelling.values), name="diary_entry_swelling_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), NOTES_MAX_LENGTH),
                name="diary_entry_notes_max_length",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}: {self.pain}/10"

    def content(self) -> dict:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def delete(self, *args, **kwargs):
        """Delete the entry and remember that it was deleted, and when, under each of its ids:
        a write made before that moment, sent later from an offline phone, must not bring it
        back."""
        now = timezone.now()
        with transaction.atomic():
            for entry_id in [self.pk, *self.aliases.values_list("id", flat=True)]:
                DeletedEntry.objects.update_or_create(
                    pk=entry_id, defaults={"patient_id": self.patient_id, "deleted_at": now}
                )
            return super().delete(*args, **kwargs)

    def merge(self, content: dict, client_updated_at) -> WriteResult:
        """Another write for this entry's day: last write wins, and the warning signs of
        both are kept whichever wins."""
        united = list(dict.fromkeys([*self.red_flags, *content.get("red_flags", [])]))
        result = self.apply({**content, "red_flags": united}, client_updated_at)
        if result.outcome == Outcome.STALE and united != self.red_flags:
            self.red_flags = united
            self.save(update_fields=["red_flags", "updated_at"])
        return result

    def apply(self, content: dict, client_updated_at) -> WriteResult:
        """Take ``content`` unless this row holds a newer edit; equal content changes nothing."""
        if client_updated_at < self.client_updated_at:
            return WriteResult(self, Outcome.STALE)
        if self.content() == content:
            if client_updated_at > self.client_updated_at:
                # Remember the newer moment (an even later stale edit must still lose),
                # without touching updated_at: nothing the patient sees has changed.
                self.client_updated_at = client_updated_at
                self.save(update_fields=["client_updated_at"])
            return WriteResult(self, Outcome.UNCHANGED)
        for name, value in content.items():
            setattr(self, name, value)
        self.client_updated_at = client_updated_at
        self.save()
        return WriteResult(self, Outcome.UPDATED)

    @property
    def red_flag_advice(self) -> "warning_signs.Advice | None":
        """The symptom checker's urgency and advice for the ticked signs, if they need any."""
        return warning_signs.advice_for(self.red_flags)

    @property
    def red_flag_labels(self) -> list[str]:
        """The ticked signs in words, as the symptom checker names them."""
        return warning_signs.labels(self.red_flags)


class DeletedEntry(models.Model):
    """A tombstone: the id of an entry the patient deleted, and when.

    The entry itself is gone; this row makes a deletion win over every write made before it
    on any phone (``client_updated_at`` up to ``deleted_at``). A write made after it brings
    the entry back and removes the tombstone. Deleting the account deletes these too.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="deleted_diary_entries",
    )
    deleted_at = models.DateTimeField(_("deleted at"))

    class Meta:
        verbose_name = _("deleted diary entry")
        verbose_name_plural = _("deleted diary entries")

    def __str__(self):
        return f"{self.pk} deleted {self.deleted_at:%Y-%m-%d %H:%M}"


class EntryAlias(models.Model):
    """Another id for an entry: a write made for the same day under a new id (an offline
    phone's, a second phone's) was merged into it, and that id now addresses it."""

    id = models.UUIDField(primary_key=True, editable=False)
    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("other id of a diary entry")
        verbose_name_plural = _("other ids of diary entries")

    def __str__(self):
        return f"{self.pk} → {self.entry_id}"
