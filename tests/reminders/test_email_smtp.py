"""Email reminders through Django's SMTP backend to a real loopback SMTP server."""

import email
import email.policy

import pytest

from reminders import dispatch, sending
from reminders.models import Delivery, Status
from reminders.transports import TransportError
from tests.reminders.conftest import at, set_next_runs
from tests.reminders.peers import LoopbackSMTP, SMTPHandler


@pytest.fixture
def smtp(settings):
    with LoopbackSMTP() as server:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
            }
        }
        yield server


def test_a_reminder_reaches_a_real_smtp_server_as_text_and_html(smtp, plan, patient):
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    assert sending.send(delivery_id) is True
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == [patient.email]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Time to stretch"
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/plan/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Calf stretch against a wall" in message.get_body(("plain",)).get_content()
    assert "<li>Standing quadriceps stretch</li>" in message.get_body(("html",)).get_content()
    assert Delivery.objects.get(pk=delivery_id).status == Status.SENT


def test_an_smtp_server_that_is_down_is_a_transient_error(settings, plan):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    with pytest.raises(Exception, match="email"):
        sending.send(delivery_id)
    assert Delivery.objects.get(pk=delivery_id).status == Status.QUEUED


class RefusingRecipients(SMTPHandler):
    def __init__(self, reply: str):
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return self.reply


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        ("451 4.7.1 Greylisted, try again later", Status.QUEUED),
        ("550 5.1.1 No such user", Status.FAILED),
    ],
)
def test_a_refused_recipient_is_retried_only_when_the_server_says_later(
    settings, plan, reply, status
):
    server = LoopbackSMTP()
    server.handler = server.controller.handler = RefusingRecipients(reply)
    with server:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
            }
        }
        set_next_runs(plan, at("2026-06-01 06:00"))
        [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
        if status == Status.QUEUED:
            with pytest.raises(TransportError) as raised:
                sending.send(delivery_id)
            assert not raised.value.permanent
        else:
            assert sending.send(delivery_id) is False
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == status and reply[:3] in delivery.error
    assert server.messages == []
