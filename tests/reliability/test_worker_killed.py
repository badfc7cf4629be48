"""A Celery worker killed with SIGKILL in the middle of a send: the reminder goes out once.

Real worker processes on a real Redis (a private redis-server), a loopback SMTP server that
stalls on the first DATA. Recovery: the send task is acks_late with reject_on_worker_lost; the
row is claimed with a lease (REMINDERS_SEND_LEASE, 2 s here) that a new claim may take over
once it has run out; every attempt carries the same Message-ID.

- pool process killed: the worker's main process sees the loss and puts the message back
  (reject_on_worker_lost); its new pool process claims the row again once the lease is over
  (if it is not yet, the task retries when it ends) and sends.
- main process killed (its pool process dies with it: prefork sets PDEATHSIG): the message
  was never acknowledged, so Redis gives it to a new worker after the visibility timeout
  (BROKER_VISIBILITY_TIMEOUT, 3 s here), which reclaims the row and sends.
- killed after the hand-off: the SMTP server had the message but the worker never heard its
  250. The resend carries the same Message-ID, so the mailbox keeps one message.
"""

import os
import signal

import pytest

from tests.reliability.harness import SMTPSink, parse, stays_false, wait_until, worker_child

pytestmark = pytest.mark.production

MESSAGE_ID = "<reminder.stretch-1-2026-06-01@kneeapp.test>"  # schedule 1, the 08:00 one


@pytest.mark.parametrize(
    ("victim", "after_handoff"),
    [("pool process", False), ("main process", False), ("main process", True)],
    ids=["pool-process", "main-process", "main-process-after-handoff"],
)
def test_a_worker_killed_mid_send_sends_the_reminder_once(victim, after_handoff, make_app, broker):
    script = {"accept_then_stall": True} if after_handoff else {"stall_first": True}
    with SMTPSink(**script) as smtp:
        app = make_app(
            REDIS_URL=broker,
            EMAIL_URL=smtp.url,
            BROKER_VISIBILITY_TIMEOUT="3",
            BROKER_RESTORE_INTERVAL="1",
        )
        app.set_up()
        worker = app.worker()
        app.dispatch()
        assert smtp.handler.stalled.wait(60), app.logs()
        [(_id, _channel, status, attempts, _error)] = app.deliveries()
        assert (status, attempts) == ("sending", 1)

        if victim == "pool process":
            os.kill(worker_child(worker), signal.SIGKILL)
        else:
            child = worker_child(worker)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            wait_until(lambda: not os.path.exists(f"/proc/{child}"), 10, message="the pool")
            app.worker()

        wait_until(lambda: app.deliveries()[0][2] == "sent", 60, message="the resend")
        # Time for a duplicate to show up if there were one: past the lease and the
        # visibility timeout.
        assert stays_false(lambda: len(smtp.handler.attempts) > 2, 4)

    [(_id, _channel, status, attempts, error)] = app.deliveries()
    assert (status, attempts, error) == ("sent", 2, "")
    assert len(smtp.handler.attempts) == 2  # the one cut off, the one sent again
    assert {envelope_id(e) for e in smtp.handler.attempts} == {MESSAGE_ID}
    accepted = smtp.messages
    assert len(accepted) == (2 if after_handoff else 1)
    assert list(smtp.handler.mailbox()) == [MESSAGE_ID]


def envelope_id(envelope) -> str:
    return parse(envelope)["Message-ID"]
