"""What a write from a phone did, shared by the diary entries and the PSFS assessments:
both are keyed by a UUID made on the phone and both keep the newest edit."""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """What a write did: the API answers with it, the pages with a message."""

    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    UNCHANGED = "unchanged", _("unchanged")
    STALE = "stale", _("a newer version is already saved")
    DELETED = "deleted", _("the entry was deleted after this change was made")


@dataclass(frozen=True)
class WriteResult:
    entry: models.Model | None  # the entry or assessment written; None: deleted
    outcome: str
    deleted_at: dt.datetime | None = None

    @property
    def kept(self) -> str:
        """Which version the server keeps: the one just sent, its own newer one, or the
        deletion that came after the one just sent."""
        return {Outcome.STALE: "server", Outcome.DELETED: "deleted"}.get(self.outcome, "sent")
