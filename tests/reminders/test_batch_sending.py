"""A batch of sends (``send_deliveries``): a few queries for the whole batch, and one row's
trouble stays that row's: a deleted reminder, an unexpected error, a retry's error."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders import sending, tasks
from reminders.models import Channel, Delivery, PushSubscription, Status
from tests.conftest import make_person
from tests.reminders.conftest import at, make_plan, stretch_delivery
from tests.reminders.peers import BrowserSubscription, PushEndpoint, b64url


@pytest.fixture
def endpoint(settings):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True
    with PushEndpoint() as server:
        yield server


def due_reminders(physiotherapist, endpoint, count: int, start: int = 0) -> list[int]:
    """``count`` patients with a plan, each an email and a push reminder at 08:00 London."""
    browser = BrowserSubscription()
    ids = []
    for n in range(start, start + count):
        patient = make_person(f"batch{n}@test.example", time_zone="Europe/London")
        PushSubscription.objects.create(
            patient=patient,
            endpoint=f"{endpoint.url}/push/{n}",
            p256dh=browser.p256dh,
            auth=b64url(browser.auth),
        )
        morning = make_plan(patient, physiotherapist, times=("08:00",)).schedules.get()
        for channel in (Channel.EMAIL, Channel.PUSH):
            ids.append(stretch_delivery(morning, at("2026-06-01 07:00"), channel=channel).pk)
    return ids


def queries_to_send(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert tasks.send_deliveries(ids) == len(ids)
    return len(queries)


def test_a_batch_takes_a_few_queries_and_one_outcome_write_per_ten_rows(physiotherapist, endpoint):
    """A claim and a read for the batch, whatever its size; then the sent rows marked sent
    RECORD_EVERY (10) at a time, the rest when the batch ends."""
    small = due_reminders(physiotherapist, endpoint, 2)  # 4 rows: 1 UPDATE
    large = due_reminders(physiotherapist, endpoint, 12, start=2)  # 24 rows: 3 UPDATEs
    assert sending.RECORD_EVERY == 10
    # Claim, read, 3 prefetches (items, exercises, subscriptions); then the outcomes.
    assert queries_to_send(small) - 1 == queries_to_send(large) - 3 <= 5
    assert len(mail.outbox) == 14 and len(endpoint.requests) == 14
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_worker_killed_mid_batch_can_repeat_at_most_ten_messages(
    physiotherapist, endpoint, monkeypatch
):
    """What a killed worker may send again (SECURITY.md) is what it sent and had not yet
    marked sent: seen from each send, at most RECORD_EVERY - 1 earlier rows of the batch."""
    ids = due_reminders(physiotherapist, endpoint, 13)  # 26 rows
    unrecorded_at_each_send = []
    real_send = sending.send_one

    def send_one(transport, delivery):
        unrecorded_at_each_send.append(
            Delivery.objects.filter(pk__in=ids, status=Status.SENDING).count() - 1
        )  # the rows claimed and not marked, but for the one being sent
        return real_send(transport, delivery)

    monkeypatch.setattr(sending, "send_one", send_one)
    assert tasks.send_deliveries(ids) == 26
    # The claimed rows not reached yet are SENDING too: take them out of the count.
    sent_before = [count - (25 - n) for n, count in enumerate(unrecorded_at_each_send)]
    assert sent_before == [n % 10 for n in range(26)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_reminder_deleted_while_its_send_was_queued_is_skipped_quietly(plan):
    morning = plan.schedules.order_by("time_of_day").first()
    delivery = stretch_delivery(morning, at("2026-06-01 07:00"))
    morning.delete()  # the physiotherapist removed that time; the row keeps schedule = NULL
    assert tasks.send_delivery(delivery.pk) is False
    assert tasks.send_deliveries([delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == Status.SKIPPED and "deleted" in delivery.error
    assert mail.outbox == []


def test_an_unexpected_error_in_one_delivery_does_not_stop_the_rest_of_the_batch(
    plan, other_plan, other_patient, monkeypatch
):
    # An address Django refuses to put in an envelope (a newline): a ValueError, not a
    # TransportError.
    type(other_patient).objects.filter(pk=other_patient.pk).update(
        email="broken\nline@test.example"
    )
    mine = plan.schedules.order_by("time_of_day").first()
    theirs = other_plan.schedules.get()
    ids = [
        stretch_delivery(mine, at("2026-06-01 07:00")).pk,
        stretch_delivery(theirs, at("2026-06-01 11:30")).pk,
        stretch_delivery(mine, at("2026-06-01 07:01")).pk,
    ]
    later = []
    monkeypatch.setattr(tasks, "send_later", lambda pk, countdown: later.append((pk, countdown)))
    assert tasks.send_deliveries(ids) == 2
    assert len(mail.outbox) == 2
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == [Status.SENT, Status.QUEUED, Status.SENT]
    broken = Delivery.objects.get(pk=ids[1])
    assert broken.error.startswith("unexpected error") and broken.attempts == 1
    assert later == [(ids[1], sending.backoff(1))]  # retried by the one policy, bounded


def test_the_sweep_keeps_the_error_a_retry_recorded(plan):
    morning = plan.schedules.order_by("time_of_day").first()
    waiting = stretch_delivery(
        morning, at("2026-06-01 07:00"), attempts=2, error="email: connection refused"
    )
    sending.stranded(at("2026-06-01 08:30"))  # more than STRETCH_GRACE after the slot
    waiting.refresh_from_db()
    assert waiting.status == Status.SKIPPED
    assert "too late" in waiting.error and "email: connection refused" in waiting.error


def test_an_outcome_is_written_only_while_this_claim_holds_the_row(plan):
    """sending.fenced: one UPDATE, as the ORM's filter(pk, status, claimed_at).update()."""
    morning = plan.schedules.order_by("time_of_day").first()
    delivery = stretch_delivery(morning, at("2026-06-01 07:00"))
    claimed_at = at("2026-06-01 07:00:01")
    assert Delivery.objects.claim_all([delivery.pk], claimed_at, sending.lease()) == 1
    assert sending.fenced(delivery.pk, at("2026-06-01 07:00:02")).update(status=Status.SENT) == 0
    with CaptureQueriesContext(connection) as queries:
        written = sending.fenced(delivery.pk, claimed_at).update(
            status=Status.QUEUED, error="later: " + "é" * 3
        )
    assert written == 1 and len(queries) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error) == (Status.QUEUED, "later: ééé")
    assert sending.fenced(delivery.pk, claimed_at).update(status=Status.SENT) == 0  # not SENDING
