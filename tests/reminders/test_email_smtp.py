"""Email reminders through Django's SMTP backend to a real loopback SMTP server."""

import email
import email.policy

import pytest

from reminders import dispatch, sending
from reminders.models import Delivery, Status
from tests.reminders.conftest import at, set_next_runs
from tests.reminders.peers import LoopbackSMTP


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
