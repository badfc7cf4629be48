"""Celery tasks of the reminders app: thin wrappers that take ids and re-fetch rows."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from reminders import sending, symptoms
from reminders.dispatch import dispatch_due
from reminders.transports import TransportError

MAX_RETRIES = 5


def parse_now(now) -> dt.datetime:
    """``now`` as an aware datetime: None (the clock), an ISO 8601 string or a datetime."""
    if now is None:
        return timezone.now()
    moment = dt.datetime.fromisoformat(now) if isinstance(now, str) else now
    if timezone.is_naive(moment):
        raise ValueError(f"now must carry a time zone offset, not {now!r}")
    return moment


def backoff(retries: int) -> int:
    return min(30 * 2**retries, 60 * 30)


# acks_late: running it again after a lost worker is harmless (slots are claimed).
@shared_task(acks_late=True)
def dispatch_due_reminders(now=None) -> int:
    ids = dispatch_due(parse_now(now))
    for delivery_id in ids:
        send_delivery.delay_on_commit(delivery_id)
    return len(ids)


@shared_task(acks_late=True)
def check_persisting_symptoms(now=None) -> int:
    ids = symptoms.check(parse_now(now))
    for delivery_id in ids:
        send_delivery.delay_on_commit(delivery_id)
    return len(ids)


# acks_late is safe because the row is claimed before sending: a redelivered message finds
# it sent (or being sent) and does nothing, and one lost before the claim still goes out.
@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_delivery(self, delivery_id: int) -> bool:
    try:
        return sending.send(delivery_id)
    except TransportError as error:  # only transient errors get here
        if self.request.retries >= MAX_RETRIES:
            sending.give_up(delivery_id, error)
            return False
        countdown = error.retry_after or backoff(self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error
