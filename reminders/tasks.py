"""Celery tasks of the reminders app: thin wrappers that take ids and re-fetch rows.

They decide nothing about retrying: ``sending.retry_in`` says when (or whether) a failed
send is tried again, and the task only schedules it. The life cycle: ``docs/reminders.md``.

The database, not the broker, is the record of what is due. Sends are handed to the broker
after commit, and a broker that is down is logged, never raised into a dispatch or a request:
each dispatch pass hands over again what the broker lost (``sending.stranded``).
"""

import datetime as dt
import logging
import math
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from reminders import doctor_alerts, nudges, sending
from reminders.dispatch import dispatch_due
from reminders.transports import TransportError

log = logging.getLogger(__name__)

# Deliveries per message: a pass with 10,000 due publishes 200 messages, not 10,000 (each
# publish is a broker round trip, and those dominated a large pass).
SEND_BATCH = 50
# What publishing raises when the broker is unreachable (kombu wraps the client's errors).
BROKER_ERRORS = (OperationalError, OSError)


def parse_now(now) -> dt.datetime:
    """``now`` as an aware datetime: None (the clock), an ISO 8601 string or a datetime."""
    if now is None:
        return timezone.now()
    moment = dt.datetime.fromisoformat(now) if isinstance(now, str) else now
    if timezone.is_naive(moment):
        raise ValueError(f"now must carry a time zone offset, not {now!r}")
    return moment


def enqueue(delivery_ids: list[int], now: dt.datetime) -> None:
    """Hand these deliveries to the broker once the transaction commits."""
    if delivery_ids:
        sending.mark_enqueued(delivery_ids, now)
        transaction.on_commit(partial(publish, list(delivery_ids)))


def batches(delivery_ids: list[int]) -> list[list[int]]:
    """At most SEND_BATCH per message, and a few ids only while that leaves fewer than about
    16 messages, so that a small pass still spreads over every worker process."""
    size = min(SEND_BATCH, max(1, math.ceil(len(delivery_ids) / 16)))
    return [delivery_ids[i : i + size] for i in range(0, len(delivery_ids), size)]


def publish(delivery_ids: list[int]) -> int:
    """Publish the sends, a batch per message; stop at the first broker error, and log it."""
    published = 0
    for batch in batches(delivery_ids):
        try:
            if len(batch) == 1:
                send_delivery.delay(batch[0])
            else:
                send_deliveries.delay(batch)
        except BROKER_ERRORS as error:
            log.warning(
                "broker unreachable (%s): %d deliveries stay queued for the next dispatch pass",
                error,
                len(delivery_ids) - published,
            )
            return published
        published += len(batch)
    return published


# acks_late: running it again after a lost worker is harmless (slots are claimed).
@shared_task(acks_late=True)
def dispatch_due_reminders(now=None) -> int:
    now = parse_now(now)
    ids = dispatch_due(now)
    enqueue(ids, now)
    if stranded := sending.stranded(now):
        log.info("handing %d stranded deliveries to the broker again", len(stranded))
        enqueue(stranded, now)
    return len(ids)


def found_and_enqueued(check, now) -> int:
    """The deliveries ``check(now)`` made, handed to the senders; how many."""
    now = parse_now(now)
    ids = check(now)
    enqueue(ids, now)
    return len(ids)


@shared_task(acks_late=True)
def check_doctor_alerts(now=None) -> int:
    return found_and_enqueued(doctor_alerts.check, now)


@shared_task(acks_late=True)
def send_nudges(now=None) -> int:
    """Hourly: the nudges due (``nudges.check``), handed to the senders."""
    return found_and_enqueued(nudges.check, now)


# acks_late + reject_on_worker_lost: a message whose worker died (SIGKILL, out of memory)
# goes back to the queue instead of being dropped. That is safe because the row is claimed
# before sending, with a lease: a redelivered message finds it sent and does nothing, finds
# it still leased and waits for the lease to run out, or finds the lease over and sends.
# max_retries=None: the row's attempts, not Celery's retry count, bound the retries.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_delivery(self, delivery_id: int) -> bool:
    try:
        return sending.send(delivery_id)
    except (sending.Busy, TransportError) as error:  # only transient errors get here
        countdown = sending.retry_in(delivery_id, error)
        return False if countdown is None else retry(self, delivery_id, error, countdown)


# The same guarantees as send_delivery, for a batch sent over one connection per channel
# (sending.send_batch): a redelivered batch skips what was sent (claimed rows), and a
# delivery that fails for now is retried on its own, later.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deliveries(delivery_ids: list[int]) -> int:
    if not isinstance(delivery_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in delivery_ids
    ):
        raise ValueError(f"delivery_ids must be a list of whole numbers, not {delivery_ids!r}")
    sent, later = sending.send_batch(delivery_ids)
    for delivery_id, error in later:  # only Busy and transient errors get here
        countdown = sending.retry_in(delivery_id, error)
        if countdown is not None:
            send_later(delivery_id, countdown)
    return sent


def send_later(delivery_id: int, countdown: float) -> None:
    try:
        send_delivery.apply_async((delivery_id,), countdown=countdown)
    except BROKER_ERRORS as error:
        log.warning("delivery %s: retry not queued (%s); the sweep will", delivery_id, error)


def retry(task, delivery_id: int, error: Exception, countdown: float) -> bool:
    try:
        raise task.retry(exc=error, countdown=countdown)
    except BROKER_ERRORS as broker_error:
        log.warning("delivery %s: retry not queued (%s); the sweep will", delivery_id, broker_error)
        return False
