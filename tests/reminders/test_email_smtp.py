"""Email reminders through Django's SMTP backend to a real loopback SMTP server."""

import email
import email.policy
import re
import socket
import threading
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from reminders import dispatch, sending, tasks
from reminders.models import Delivery, Status
from reminders.transports import TransportError
from tests.reminders.conftest import at, set_next_runs, stretch_delivery
from tests.reminders.peers import LoopbackSMTP, SMTPHandler, free_port


def use_smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp(settings):
    with LoopbackSMTP() as server:
        use_smtp(settings, server.port)
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


def test_list_unsubscribe_goes_on_the_wire_as_one_literal_line(smtp, plan, settings, client):
    """RFC 8058 one-click: mail clients read ``<https://…>`` only unfolded and unencoded."""
    settings.SITE_URL = "https://reminders.kneeapp-with-a-long-name.example.org"
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    assert sending.send(delivery_id) is True
    [envelope] = smtp.messages
    raw = envelope.original_content  # the DATA as the client sent it
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    [line] = [h for h in headers.split("\r\n") if h.lower().startswith("list-unsubscribe:")]
    found = re.fullmatch(r"List-Unsubscribe: <(https://[^>\s]+)>", line)
    assert found, line
    assert len(line) > 78  # long enough that folding would have encoded it
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers.split("\r\n")
    assert "=?" not in headers.split("List-Unsubscribe:", 1)[1].split("\r\n", 1)[0]
    # Both parts readable as they are: no stray encoded words, the link in each.
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert found.group(1) in text and found.group(1).replace("&", "&amp;") in html
    assert "Calf stretch against a wall" in text and "<li>Calf stretch against a wall</li>" in html
    # The link from the wire, as a mail client posts it, turns email off.
    response = client.post(
        urlsplit(found.group(1)).path, {"List-Unsubscribe": "One-Click"}, secure=True
    )
    assert response.status_code == 200
    plan.patient.refresh_from_db()
    assert plan.patient.remind_by_email is False


def test_a_batch_of_emails_goes_over_one_smtp_connection(smtp, plan):
    morning = plan.schedules.order_by("time_of_day").first()
    ids = [stretch_delivery(morning, at(f"2026-06-01 07:0{minute}")).pk for minute in range(5)]
    assert tasks.send_deliveries(ids) == 5
    assert len(smtp.messages) == 5
    assert len(set(smtp.handler.peers)) == 1  # one connection: one client port
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_smtp_server_that_wants_authentication_is_a_logged_configuration_error(
    settings, plan, caplog
):
    """530 at MAIL FROM: the server's setting or ours, not the patients' addresses: retried
    (it works once EMAIL_URL is fixed, and fails after MAX_ATTEMPTS), logged as an error."""
    handler = SMTPHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), auth_required=True, auth_require_tls=False
    )
    controller.start()
    try:
        use_smtp(settings, controller.port)
        morning = plan.schedules.order_by("time_of_day").first()
        ids = [stretch_delivery(morning, at(f"2026-06-01 07:0{minute}")).pk for minute in range(3)]
        sent, later = sending.send_batch(ids)
    finally:
        controller.stop()
    assert sent == 0 and [pk for pk, _error in later] == ids
    assert all(not error.permanent for _pk, error in later)
    rows = Delivery.objects.values_list("status", "error")
    assert {status for status, _ in rows} == {Status.QUEUED}
    assert all("530" in error for _, error in rows)
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]  # once for the batch
    assert "EMAIL_URL" in record.getMessage() and "530" in record.getMessage()
    assert handler.messages == []


@pytest.mark.parametrize(
    "greeting",
    [b"554 5.3.2 No SMTP service here\r\n", b"220 hello\r\n"],
    ids=["554-at-the-greeting", "554-to-ehlo-and-helo"],
)
def test_an_smtp_server_refusing_at_connect_is_a_logged_configuration_error(
    settings, plan, caplog, greeting
):
    listener = socket.create_server(("127.0.0.1", 0))
    greeted = []

    def refuse_everyone():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            greeted.append(conn)
            conn.sendall(greeting)
            with conn, conn.makefile("rb") as commands:
                for _command in commands:  # EHLO, then HELO: refused
                    conn.sendall(b"554 5.7.1 Not for you\r\n")

    threading.Thread(target=refuse_everyone, daemon=True).start()
    try:
        use_smtp(settings, listener.getsockname()[1])
        morning = plan.schedules.order_by("time_of_day").first()
        ids = [stretch_delivery(morning, at(f"2026-06-01 07:0{minute}")).pk for minute in range(3)]
        sent, later = sending.send_batch(ids)
    finally:
        listener.close()
    assert sent == 0 and len(later) == 3
    assert len(greeted) == 1  # the rest of the batch was not tried against the same refusal
    assert {s for s, e in Delivery.objects.values_list("status", "error")} == {Status.QUEUED}
    assert all("554" in e for e in Delivery.objects.values_list("error", flat=True))
    assert any(r.levelname == "ERROR" and "EMAIL_URL" in r.getMessage() for r in caplog.records)
