"""Send one delivery: claim the row, hand it to its channel's transport, record the outcome."""

import logging

from django.utils import timezone

from reminders import notifications
from reminders.models import Delivery, Kind, Status
from reminders.transports import TRANSPORTS, TransportError

log = logging.getLogger(__name__)


def send(delivery_id: int) -> bool:
    """Send the delivery unless another worker has it or it is done; True if this call sent it.

    A transient TransportError puts the row back in the queue and propagates, for the task to
    retry later; a permanent one marks it failed.
    """
    if not Delivery.objects.claim(delivery_id, timezone.now()):
        return False
    delivery = (
        Delivery.objects.select_related("patient", "schedule__plan__patient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # deleted with its patient in the meantime
        return False
    transport = TRANSPORTS[delivery.channel]()
    try:
        transport.send(
            delivery.patient,
            notifications.for_delivery(delivery),
            urgent=delivery.kind != Kind.STRETCH,
        )
    except TransportError as error:
        status = Status.FAILED if error.permanent else Status.QUEUED
        Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
            status=status, error=str(error)[:1000]
        )
        if error.permanent:
            log.warning("delivery %s failed for good: %s", delivery_id, error)
            return False
        raise
    Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), error=""
    )
    return True


def give_up(delivery_id: int, error: Exception) -> None:
    """After the last retry: record the failure (the row is queued again, not claimed)."""
    Delivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(
        status=Status.FAILED, error=f"gave up: {error}"[:1000]
    )
