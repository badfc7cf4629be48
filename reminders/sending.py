"""Send one delivery: claim the row, hand it to its channel's transport, record the outcome.

The database, not the broker, is the record of what is due. A row is claimed (QUEUED →
SENDING, ``claimed_at`` stamped) before anything leaves, and only the holder of that claim
records the outcome. A worker killed mid-send leaves the row SENDING: once its lease
(``REMINDERS_SEND_LEASE``) has run out, a redelivered task or the dispatch pass's sweep
claims it again. A send repeated that way carries the same idempotency key (the email's
Message-ID, the push message's Topic), so a copy that did get through is collapsed by the
receiving side.

The retry policy lives here, and only here: ``Delivery.attempts`` (one per claim) is the
only counter, :func:`out_of_attempts` the only give-up rule, and :func:`retry_in` says when
to try again. The Celery tasks only carry out what it decides. The whole life cycle of a
reminder, as a state diagram: ``docs/reminders.md``.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from reminders import notifications, timing
from reminders.models import URGENT_KINDS, Delivery, Fallback, Kind, Status
from reminders.transports import TRANSPORTS, TransportError

log = logging.getLogger(__name__)

# Every claim counts as an attempt: after this many the delivery is failed for good, whether
# the transport kept refusing or the worker kept dying.
MAX_ATTEMPTS = 6
# The longest wait between two attempts.
MAX_BACKOFF = 30 * 60
SWEEP_BATCH = 500
# The rows a batch sent are marked sent this many at a time (one UPDATE), and the rest when
# the batch ends: a worker killed mid-batch sends again at most this many messages, each with
# the same idempotency key (SECURITY.md). One UPDATE per row cost a fifth of the throughput.
RECORD_EVERY = 10


def out_of_attempts(attempts_made: int) -> bool:
    """The give-up rule: no attempt after the MAX_ATTEMPTS-th (a claim is an attempt)."""
    return attempts_made >= MAX_ATTEMPTS


def backoff(attempts_made: int) -> float:
    """Seconds to wait after the n-th failed attempt: doubling, at most MAX_BACKOFF."""
    return min(settings.REMINDERS_RETRY_BACKOFF * 2 ** max(attempts_made - 1, 0), MAX_BACKOFF)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_SEND_LEASE)


def requeue_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_REQUEUE_AFTER)


class Busy(Exception):
    """Another worker holds the delivery's lease; try again when it has run out."""

    def __init__(self, seconds: float):
        super().__init__(f"being sent elsewhere for {seconds:.0f} s more")
        self.seconds = seconds


def send(delivery_id: int) -> bool:
    """Send the delivery unless it is done or another worker has it; True if this call sent it.

    A transient TransportError puts the row back in the queue and propagates, for the task to
    retry later; a permanent one marks it failed. ``Busy`` is raised while another worker's
    lease on the row runs.
    """
    sent, later = send_batch([delivery_id])
    if later:
        raise later[0][1]
    return sent == 1


def send_batch(
    delivery_ids: list[int], now: dt.datetime | None = None
) -> tuple[int, list[tuple[int, Exception]]]:
    """Send these deliveries over one connection per channel: how many this call sent, and
    the (id, error) of those to try again later (``Busy``, or a transient TransportError).

    A few queries for the batch (one claim, one read of the claimed rows with what their
    messages need), then the outcomes, fenced by the claim: the sent rows RECORD_EVERY at a
    time in one UPDATE (and the rest when the batch ends), so a worker killed mid-batch
    repeats at most that many messages (SECURITY.md); a failure on its own, when it happens.
    An unexpected error in one row is logged and retried like a transient one; the rest of
    the batch goes on. A row due in quiet hours is held or dropped instead (``timing``);
    ``now`` is the clock's unless a test travels in time.
    """
    ids = list(dict.fromkeys(delivery_ids))
    claimed_at = now or timezone.now()
    claimed = Delivery.objects.claim_all(ids, claimed_at, lease())
    rows = claimed_rows(ids, claimed_at) if claimed else []
    later = busy(set(ids) - {row.pk for row in rows}, claimed_at) if claimed < len(ids) else []
    rows = timing.sendable(leave_out_unsendable(rows, claimed_at), claimed_at, fenced)
    sent = 0
    transports, broken = {}, {}
    unrecorded: list[int] = []  # sent, not yet marked sent
    try:
        for delivery in rows:
            error = broken.get(delivery.channel)
            if error is None:
                if delivery.channel not in transports:
                    transports[delivery.channel] = TRANSPORTS[delivery.channel]()
                error = send_one(transports[delivery.channel], delivery)
            if error is None:
                sent += 1
                unrecorded.append(delivery.pk)
                if len(unrecorded) >= RECORD_EVERY:
                    record_sent(unrecorded, claimed_at)
                continue
            if error.server:
                broken[delivery.channel] = error
            fenced(delivery.pk, claimed_at).update(
                status=Status.FAILED if error.permanent else Status.QUEUED, error=str(error)[:1000]
            )
            if error.permanent:
                log.warning("delivery %s failed for good: %s", delivery.pk, error)
                delivery.email_instead(Fallback.PUSH_FAILED)
            else:
                later.append((delivery.pk, error))
    finally:
        try:
            record_sent(unrecorded, claimed_at)
        finally:
            for transport in transports.values():
                close = getattr(transport, "close", None)
                if close is not None:
                    close()
    return sent, later


def record_sent(ids: list[int], claimed_at: dt.datetime) -> None:
    """Mark these rows sent while this claim holds them, in one UPDATE; empties ``ids``."""
    if not ids:
        return
    written = Delivery.objects.filter(
        pk__in=ids, status=Status.SENDING, claimed_at=claimed_at
    ).update(status=Status.SENT, sent_at=timezone.now(), error="")
    if written < len(ids):
        # Our lease ran out and another worker took those rows over: it records them.
        log.warning(
            "of deliveries %s, %s were sent after their lease ran out", ids, len(ids) - written
        )
    ids.clear()


def send_one(transport, delivery) -> TransportError | None:
    """Hand one delivery to its transport: None if accepted, else the error to record."""
    try:
        transport.send(
            delivery.patient,
            notifications.for_delivery(delivery),
            urgent=delivery.kind in URGENT_KINDS,
        )
    except TransportError as error:
        return error
    except Exception as error:  # a bug in one row must not stop the others
        log.exception("delivery %s: unexpected error while sending", delivery.pk)
        return TransportError(f"unexpected error: {error!r}")
    return None


def fenced(delivery_id: int, claimed_at: dt.datetime) -> "Fenced":
    """The row while this claim holds it: every outcome is written through this."""
    return Fenced(delivery_id, claimed_at)


class Fenced:
    """``Delivery.objects.filter(pk=…, status=SENDING, claimed_at=…).update(…)``, the same
    one autocommitted UPDATE, written as SQL: the ORM's query building took about 0.5 ms of
    CPU per row, as much as the rest of a push."""

    def __init__(self, delivery_id: int, claimed_at: dt.datetime):
        self.delivery_id, self.claimed_at = delivery_id, claimed_at

    def update(self, **fields) -> int:
        """Set ``fields`` on the row if this claim still holds it: 1, else 0."""
        connection = connections[router.db_for_write(Delivery)]
        sql, columns = fenced_update(connection, tuple(fields))
        params = [field.get_db_prep_save(fields[field.name], connection) for field in columns[:-1]]
        claimed = columns[-1].get_db_prep_save(self.claimed_at, connection)
        with (
            transaction.mark_for_rollback_on_error(using=connection.alias),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [*params, self.delivery_id, Status.SENDING, claimed])
            return cursor.rowcount


_fenced_updates: dict[tuple[str, tuple[str, ...]], tuple[str, list]] = {}


def fenced_update(connection, names: tuple[str, ...]) -> tuple[str, list]:
    """The UPDATE setting these fields of one row, fenced; its fields, then claimed_at."""
    key = (connection.vendor, names)
    if key not in _fenced_updates:
        meta, quote = Delivery._meta, connection.ops.quote_name
        fields = [meta.get_field(name) for name in names]
        column = {n: quote(meta.get_field(n).column) for n in ("id", "status", "claimed_at")}
        sql = (
            f"UPDATE {quote(meta.db_table)} SET "
            + ", ".join(f"{quote(field.column)} = %s" for field in fields)
            + f" WHERE {column['id']} = %s AND {column['status']} = %s"
            + f" AND {column['claimed_at']} = %s"
        )
        _fenced_updates[key] = (sql, [*fields, meta.get_field("claimed_at")])
    return _fenced_updates[key]


def claimed_rows(ids: list[int], claimed_at: dt.datetime) -> list[Delivery]:
    """The rows this claim took, in the order asked, with everything their messages read."""
    rows = (
        Delivery.objects.filter(pk__in=ids, status=Status.SENDING, claimed_at=claimed_at)
        .select_related("patient", "schedule__plan__patient")
        .prefetch_related("schedule__plan__items__exercise", "patient__push_subscriptions")
    )
    order = {pk: position for position, pk in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row.pk])


def busy(ids: set[int], claimed_at: dt.datetime) -> list[tuple[int, Exception]]:
    """The rows not claimed because another worker's lease on them still runs (the others
    are done or gone, and are left alone)."""
    held = Delivery.objects.filter(pk__in=ids, status=Status.SENDING).values_list(
        "pk", "claimed_at"
    )
    return [
        (pk, Busy(max(1.0, (taken + lease() - claimed_at).total_seconds())))
        for pk, taken in sorted(held)
        if taken is not None
    ]


def leave_out_unsendable(rows: list[Delivery], claimed_at: dt.datetime) -> list[Delivery]:
    """Fail the rows out of attempts and skip stretch rows whose reminder was deleted (one
    UPDATE each); the rest, to send."""
    # out_of_attempts(attempts - 1): this claim would be one too many.
    spent = [row.pk for row in rows if out_of_attempts(row.attempts - 1)]
    orphans = [row.pk for row in rows if row.kind == Kind.STRETCH and row.schedule_id is None]
    if spent:
        Delivery.objects.filter(pk__in=spent, status=Status.SENDING, claimed_at=claimed_at).update(
            status=Status.FAILED, error=f"gave up after {MAX_ATTEMPTS} attempts"
        )
        log.warning("deliveries %s given up after %s attempts", spent, MAX_ATTEMPTS)
    orphans = [pk for pk in orphans if pk not in spent]
    if orphans:
        Delivery.objects.filter(
            pk__in=orphans, status=Status.SENDING, claimed_at=claimed_at
        ).update(status=Status.SKIPPED, error="its reminder was deleted before it was sent")
    left_out = set(spent) | set(orphans)
    return [row for row in rows if row.pk not in left_out]


def retry_in(delivery_id: int, error: Exception) -> float | None:
    """After a send raised ``Busy`` or a transient ``TransportError``: the seconds until it
    is tried again (noted on the row, so the sweep leaves it until then), or None when it
    was the last attempt (the delivery is then failed for good)."""
    if isinstance(error, Busy):
        seconds = float(int(error.seconds) + 1)  # waiting for a lease is not an attempt
    else:
        made = attempts(delivery_id)
        if out_of_attempts(made):
            give_up(delivery_id, error)
            return None
        seconds = getattr(error, "retry_after", None) or backoff(made)
    retry_at(delivery_id, timezone.now() + dt.timedelta(seconds=seconds))
    return seconds


def attempts(delivery_id: int) -> int:
    return Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0


def retry_at(delivery_id: int, moment: dt.datetime) -> None:
    """Note when the retry of a queued delivery is due, so the sweep leaves it until then."""
    Delivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(enqueued_at=moment)


def give_up(delivery_id: int, error: Exception) -> None:
    """After the last retry: record the failure (the row is queued again, not claimed)."""
    Delivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(
        status=Status.FAILED, error=f"gave up: {error}"[:1000]
    )


def mark_enqueued(delivery_ids: list[int], now: dt.datetime) -> None:
    Delivery.objects.filter(pk__in=delivery_ids, status=Status.QUEUED).update(enqueued_at=now)


def keeping_last_error(reason: str):
    """``reason``, followed by the error a former attempt recorded (a retry's), if any."""
    return Case(
        When(error="", then=Value(reason)),
        default=Concat(Value(f"{reason}; last error: "), F("error")),
        output_field=TextField(),
    )


def stranded(now: dt.datetime) -> list[int]:
    """Deliveries the broker lost: queued and not handed over for a while, or left SENDING
    past their lease (a killed worker). Late stretch reminders are skipped instead, and rows
    out of attempts failed."""
    late = timing.too_late(now)
    unfinished = Delivery.objects.filter(status__in=[Status.QUEUED, Status.SENDING])
    unfinished.filter(late, status=Status.QUEUED).update(
        status=Status.SKIPPED,
        error=keeping_last_error("found too late (not handed to a worker in time)"),
    )
    lost = Q(status=Status.SENDING, claimed_at__lt=now - lease())
    unfinished.filter(lost, attempts__gte=MAX_ATTEMPTS).update(  # out_of_attempts() in SQL
        status=Status.FAILED,
        error=keeping_last_error(f"gave up: the sender stopped {MAX_ATTEMPTS} times"),
    )
    waiting = Q(status=Status.QUEUED) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after())
    )
    held = Q(not_before__gt=now)  # until quiet hours end: handed over then (timing.due_again)
    return list(
        Delivery.objects.filter((waiting & ~held) | timing.due_again(now) | lost)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
