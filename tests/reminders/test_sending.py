"""Sending a delivery: claimed once, email content and headers, retries and failures."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from reminders import dispatch, sending, tasks
from reminders.models import Delivery, Status
from reminders.transports import Email, TransportError
from tests.reminders.conftest import at, set_next_runs


@pytest.fixture
def queued(plan):
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    return Delivery.objects.get(pk=delivery_id)


def test_it_emails_the_reminder_in_text_and_html_with_a_one_click_unsubscribe(queued, patient):
    assert sending.send(queued.pk) is True
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "Time to stretch"
    assert "Calf stretch against a wall" in message.body
    assert "http://127.0.0.1:8000/plan/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Seated hamstring stretch" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/plan/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.error) == (Status.SENT, 1, "")


def test_a_send_task_run_again_on_a_delivered_row_sends_nothing(queued):
    assert tasks.send_delivery(queued.pk) is True
    assert tasks.send_delivery(queued.pk) is False
    assert sending.send(queued.pk) is False
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.attempts == 1


def test_a_row_another_worker_has_claimed_is_left_alone(queued):
    Delivery.objects.filter(pk=queued.pk).update(status=Status.SENDING)
    assert sending.send(queued.pk) is False
    assert mail.outbox == []


def test_a_send_task_for_a_deleted_delivery_returns_quietly(queued):
    queued.delete()
    assert tasks.send_delivery(queued.pk) is False


def test_a_transient_error_puts_the_row_back_and_retries_with_backoff(queued, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise TransportError("email: connection refused")

    monkeypatch.setattr(Email, "send", refuse)
    retries = []
    monkeypatch.setattr(
        tasks.send_delivery, "retry", lambda **kw: retries.append(kw) or RuntimeError("retry")
    )
    with pytest.raises(RuntimeError, match="retry"):
        tasks.send_delivery(queued.pk)
    assert retries[0]["countdown"] == 30
    queued.refresh_from_db()
    assert (queued.status, queued.error) == (Status.QUEUED, "email: connection refused")


def test_a_permanent_error_is_recorded_and_not_retried(queued, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"patient@test.example": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    monkeypatch.setattr(tasks.send_delivery, "retry", pytest.fail)
    assert tasks.send_delivery(queued.pk) is False
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and "refused" in queued.error


def test_it_gives_up_after_the_last_retry(queued):
    sending.give_up(queued.pk, TransportError("timeout"))
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and queued.error == "gave up: timeout"


def test_the_dispatch_task_queues_one_send_per_delivery_after_commit(
    plan, eager_sends, django_capture_on_commit_callbacks
):
    set_next_runs(plan, at("2026-06-01 06:00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due_reminders("2026-06-01T07:00:00+00:00") == 1
        assert tasks.dispatch_due_reminders("2026-06-01T07:00:30+00:00") == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == Status.SENT


def test_now_must_carry_a_time_zone():
    with pytest.raises(ValueError, match="time zone"):
        tasks.parse_now("2026-06-01T07:00:00")


def test_every_attempt_at_a_reminder_carries_the_same_message_id(queued):
    assert sending.send(queued.pk) is True
    Delivery.objects.filter(pk=queued.pk).update(status=Status.QUEUED)
    assert sending.send(queued.pk) is True
    first, second = (message.extra_headers["Message-ID"] for message in mail.outbox)
    assert first == second == f"<reminder.stretch-{queued.schedule_id}-2026-06-01@127.0.0.1>"


def test_a_row_left_sending_is_reclaimed_once_its_lease_has_run_out(queued, settings):
    settings.REMINDERS_SEND_LEASE = 60
    now = timezone.now()
    Delivery.objects.filter(pk=queued.pk).update(
        status=Status.SENDING, claimed_at=now - dt.timedelta(seconds=30), attempts=1
    )
    with pytest.raises(sending.Busy) as busy:
        sending.send(queued.pk)  # the first worker may still be sending
    assert 25 <= busy.value.seconds <= 30
    assert mail.outbox == []
    Delivery.objects.filter(pk=queued.pk).update(claimed_at=now - dt.timedelta(seconds=61))
    assert sending.send(queued.pk) is True  # it was killed: sent by this claim
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, len(mail.outbox)) == (Status.SENT, 2, 1)


def test_a_sender_whose_lease_was_taken_over_does_not_record_the_outcome(queued, monkeypatch):
    def slow_send(self, *args, **kwargs):
        # While this worker sends, its lease runs out and another worker claims the row.
        Delivery.objects.filter(pk=queued.pk).update(claimed_at=timezone.now(), attempts=2)

    monkeypatch.setattr(Email, "send", slow_send)
    assert sending.send(queued.pk) is True
    queued.refresh_from_db()
    assert (queued.status, queued.sent_at) == (Status.SENDING, None)  # the new holder's


def test_a_busy_send_task_retries_when_the_lease_ends(queued, monkeypatch):
    Delivery.objects.filter(pk=queued.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    retries = []
    monkeypatch.setattr(
        tasks.send_delivery, "retry", lambda **kw: retries.append(kw) or RuntimeError("retry")
    )
    with pytest.raises(RuntimeError, match="retry"):
        tasks.send_delivery(queued.pk)
    assert 0 < retries[0]["countdown"] <= 5 * 60 + 1


def test_a_worker_that_keeps_dying_is_given_up_on(queued):
    Delivery.objects.filter(pk=queued.pk).update(
        status=Status.SENDING,
        claimed_at=timezone.now() - dt.timedelta(hours=1),
        attempts=sending.MAX_ATTEMPTS,
    )
    assert sending.send(queued.pk) is False
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and "gave up" in queued.error
    assert mail.outbox == []


def test_the_sweep_finds_what_the_broker_lost_and_leaves_the_rest(plan, settings):
    settings.REMINDERS_SEND_LEASE = settings.REMINDERS_REQUEUE_AFTER = 300
    set_next_runs(plan, at("2026-06-01 06:00"))
    now = at("2026-06-01 07:10")
    morning, evening = plan.schedules.order_by("time_of_day")
    rows = {
        name: Delivery.objects.create(
            patient=plan.patient, kind="stretch", schedule=morning, channel="email", **fields
        )
        for name, fields in {
            "never handed over": {"slot": at("2026-06-01 07:00")},
            "handed over long ago": {
                "slot": at("2026-06-01 07:01"),
                "enqueued_at": at("2026-06-01 07:00"),
            },
            "handed over just now": {
                "slot": at("2026-06-01 07:02"),
                "enqueued_at": at("2026-06-01 07:08"),
            },
            "retry not due yet": {
                "slot": at("2026-06-01 07:03"),
                "enqueued_at": at("2026-06-01 07:30"),
            },
            "too late for a stretch": {"slot": at("2026-06-01 05:00")},
            "being sent": {
                "slot": at("2026-06-01 07:04"),
                "status": Status.SENDING,
                "claimed_at": at("2026-06-01 07:09"),
            },
            "its sender was killed": {
                "slot": at("2026-06-01 07:05"),
                "status": Status.SENDING,
                "claimed_at": at("2026-06-01 07:00"),
                "attempts": 1,
            },
            "sent": {"slot": at("2026-06-01 07:06"), "status": Status.SENT},
        }.items()
    }
    stranded = sending.stranded(now)
    names = {name for name, row in rows.items() if row.pk in stranded}
    assert names == {"never handed over", "handed over long ago", "its sender was killed"}
    late = Delivery.objects.get(pk=rows["too late for a stretch"].pk)
    assert late.status == Status.SKIPPED and "too late" in late.error
    assert evening.deliveries.count() == 0


def test_a_dispatch_pass_hands_a_stranded_delivery_over_again(
    queued, eager_sends, django_capture_on_commit_callbacks, settings
):
    """Handed to a broker that lost it at 07:00: the pass a minute later sends it."""
    settings.REMINDERS_REQUEUE_AFTER = 60
    Delivery.objects.filter(pk=queued.pk).update(enqueued_at=at("2026-06-01 07:00"))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_due_reminders("2026-06-01T07:00:30+00:00")  # not stale yet
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        tasks.dispatch_due_reminders("2026-06-01T07:01:30+00:00")
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Status.SENT, 1)


def test_sends_are_published_in_batches_that_still_spread_over_the_workers():
    assert [len(b) for b in tasks.batches([1, 2, 3])] == [1, 1, 1]
    assert [len(b) for b in tasks.batches(list(range(40)))] == [3] * 13 + [1]
    large = tasks.batches(list(range(10_000)))
    assert len(large) == 200 and {len(b) for b in large} == {tasks.SEND_BATCH}
    assert [i for b in large for i in b] == list(range(10_000))


def test_a_batch_sends_each_delivery_once_and_skips_what_was_sent(queued):
    assert tasks.send_deliveries([queued.pk, queued.pk, queued.pk + 1000]) == 1
    assert tasks.send_deliveries([queued.pk]) == 0
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Status.SENT, 1)


def test_a_batch_hands_a_delivery_that_fails_for_now_to_its_own_retry(queued, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise TransportError("email: connection refused")

    monkeypatch.setattr(Email, "send", refuse)
    later = []
    monkeypatch.setattr(tasks.send_delivery, "apply_async", lambda *a, **kw: later.append((a, kw)))
    assert tasks.send_deliveries([queued.pk]) == 0
    assert later == [(((queued.pk,),), {"countdown": 30})]
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED and queued.enqueued_at > timezone.now()


@pytest.mark.parametrize("bad", [None, "1,2", [1, "2"], [True], {"id": 1}])
def test_a_batch_of_anything_but_ids_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="delivery_ids"):
        tasks.send_deliveries(bad)


def test_one_retry_policy_for_the_single_and_the_batch_task(queued, monkeypatch):
    """Both tasks ask sending.retry_in, which counts the row's attempts only: the n-th failed
    attempt waits backoff(n), the MAX_ATTEMPTS-th gives up, whichever task sent it."""
    from reminders import tasks
    from reminders.transports import TransportError

    def refuse(*args, **kwargs):
        raise TransportError("timeout")

    monkeypatch.setattr(sending.TRANSPORTS["email"], "send", refuse)
    later = []
    monkeypatch.setattr(tasks, "send_later", lambda pk, countdown: later.append(countdown))
    for attempt in range(1, sending.MAX_ATTEMPTS + 1):
        Delivery.objects.filter(pk=queued.pk).update(status=Status.QUEUED)
        assert tasks.send_deliveries([queued.pk]) == 0
        queued.refresh_from_db()
        assert queued.attempts == attempt
    assert later == [sending.backoff(n) for n in range(1, sending.MAX_ATTEMPTS)]
    assert queued.status == Status.FAILED and "gave up" in queued.error
    assert sending.out_of_attempts(sending.MAX_ATTEMPTS)
    assert not sending.out_of_attempts(sending.MAX_ATTEMPTS - 1)
