"""The prepared email (emails.Composer.wire) is Django's message, byte for byte.

Compared with ``ReminderEmail(...).message().as_bytes()`` for the same parts: only the Date
(Django reads the clock) and the random MIME boundary may differ, and both are put aside.
"""

import datetime as dt
import email
import email.policy
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import translation

from reminders import dispatch, notifications
from reminders.emails import Composer, Parts, plain_address
from reminders.models import Delivery, Fallback, Kind
from tests.conftest import make_person
from tests.reminders.conftest import at, make_plan, stretch_delivery
from tests.reminders.peers import LoopbackSMTP
from tests.reminders.test_email_smtp import use_smtp

SENT_AT = dt.datetime(2026, 6, 1, 7, 0, 12, tzinfo=dt.UTC)


def normalised(data: bytes) -> bytes:
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
    data = data.replace(boundary, b"BOUNDARY")
    return re.sub(rb"\r\nDate: [^\r]*\r\n", b"\r\nDate: DATE\r\n", data)


def assert_same_bytes(composer: Composer, parts: Parts) -> bytes:
    wire = composer.wire(parts)
    assert wire is not None
    reference = parts.message().message().as_bytes()
    assert normalised(wire) == normalised(reference)
    return wire


PEOPLE = [
    ("pat@test.example", "Pat", "Europe/London"),
    ("first.last+knee@test.example", "Zoë Ødegård", "America/New_York"),
    ("o'brien@sub.test.example", "山田 太郎", "Asia/Tokyo"),
    ("a@test.example", "", "Australia/Adelaide"),  # no name: the address's first part
    ("x" * 40 + "@test.example", "A " * 45, "Pacific/Kiritimati"),  # long lines everywhere
]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_prepared_email_equals_djangos_for_several_patients(physiotherapist, language):
    composer = Composer()  # one batch: the templates are prepared at the first of each shape
    for n, (address, name, zone) in enumerate(PEOPLE):
        patient = make_person(address, name=name, time_zone=zone, physiotherapist=physiotherapist)
        plan = make_plan(patient, physiotherapist, times=("07:45",))
        schedule = plan.schedules.get()
        delivery = stretch_delivery(schedule, at(f"2026-06-0{n + 1} 07:00"))
        if n % 2:
            delivery.fallback = Fallback.PUSH_FAILED if n == 1 else Fallback.PUSH_UNCONFIRMED
        with translation.override(language):
            parts = composer.parts(patient, notifications.for_delivery(delivery), SENT_AT)
            assert_same_bytes(composer, parts)
    assert {key[1] for key in composer.templates} == {language}
    assert all(prepared is not None for prepared in composer.templates.values())


def test_doctor_alerts_and_a_long_site_url_too(patient, settings):
    settings.SITE_URL = "https://reminders.kneeapp-with-a-rather-long-name.example.org"
    composer = Composer()
    for kind in (Kind.PERSISTING, Kind.CHECK_IN):
        delivery = Delivery(pk=7, patient=patient, kind=kind, slot=SENT_AT, doctor_alert_id=3)
        parts = composer.parts(patient, notifications.for_delivery(delivery), SENT_AT)
        wire = assert_same_bytes(composer, parts)
        line = next(h for h in wire.split(b"\r\n") if h.startswith(b"List-Unsubscribe:"))
        assert len(line) > 78  # written on one line, as the policy writes it


@pytest.mark.parametrize(
    "text",
    [
        "Short ASCII lines.\n",  # 7bit
        "Zoë, short lines.\n",  # 8bit
        "ascii " * 30 + "\n",  # quoted-printable
        "山田太郎さん、こんにちは。" * 8 + "\n" + "ストレッチ\n" * 12,  # base64
        "trailing space \nand tab\t\n.\n--BOUNDARY\n",
    ],
)
def test_every_transfer_encoding_python_picks_is_written_alike(patient, text):
    composer = Composer()
    parts = composer.parts(patient, notifications.Notification("T", "b", "/", "tag"), SENT_AT)
    for subject in ("Time to stretch", "Zeit zum Dehnen – jetzt gleich, ein langer Betreff " * 2):
        mixed = Parts(**{**vars(parts), "text": text, "html": f"<p>{text}</p>", "subject": subject})
        assert_same_bytes(composer, mixed)


def test_addresses_and_ids_that_are_not_plain_are_folded_by_the_policy(patient):
    composer = Composer()
    parts = composer.parts(patient, notifications.Notification("T", "b", "/", "tag"), SENT_AT)
    for address in ("Pat <pat@test.example>", "pat@[127.0.0.1]", "a" * 80 + "@test.example"):
        assert_same_bytes(composer, Parts(**{**vars(parts), "to": address}))
    long_id = {**parts.headers, "Message-ID": "<reminder.x@" + "long-" * 20 + "name.example>"}
    assert_same_bytes(composer, Parts(**{**vars(parts), "headers": long_id}))
    # A non-ASCII domain, which Django IDNA-encodes its own way: Django writes it.
    assert composer.wire(Parts(**{**vars(parts), "to": "pat@bücher.example"})) is None


@pytest.mark.parametrize(
    "address", ["pat@test.example", "first.last+knee@a.test.example", "o'brien@test.example"]
)
def test_a_plain_address_is_its_own_envelope_address(address, settings):
    """The fast path sends to the address as it is: what Django's prep_address gives."""
    use_smtp(settings, 25)  # never opened
    assert plain_address(address)
    assert mail.mailers.default.prep_address(address) == address


def test_an_unplain_address_is_not_taken_for_one():
    for address in ("broken\nline@test.example", "a..b@test.example", "pat@bücher.example"):
        assert not plain_address(address)


LOCMEM = {
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {
        "loaders": [
            (
                "django.template.loaders.locmem.Loader",
                {
                    "reminders/email/reminder.txt": "{{ notification.body|upper }} "
                    "{{ unsubscribe_url }}",
                    "reminders/email/reminder.html": "<p>{{ notification.body|truncatechars:9 }}"
                    "</p>{{ patient.email }}",
                },
            )
        ]
    },
}


def test_a_template_that_cannot_be_prepared_is_rendered_for_every_message(patient):
    composer = Composer()
    with override_settings(TEMPLATES=[LOCMEM]):
        for body in ("first body text", "second body text"):
            note = notifications.Notification("T", body, "/", "tag")
            parts = composer.parts(patient, note, SENT_AT)
            assert parts.text.startswith(body.upper())
            assert parts.html == f"<p>{body[:8]}…</p>{patient.email}"
    assert list(composer.templates.values()) == [None, None]


def test_the_wire_path_delivers_what_the_tests_of_the_content_read(settings, plan, patient):
    """End to end through the SMTP backend: the bytes on the wire parse as the reminder."""
    with LoopbackSMTP() as smtp:
        use_smtp(settings, smtp.port)
        plan.schedules.reschedule(at("2026-06-01 06:00"))
        ids = dispatch.dispatch_due(at("2026-06-01 07:00"))
        from reminders import sending

        assert sending.send_batch(ids)[0] == 1
        [envelope] = smtp.messages
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["To"] == patient.email and message["Message-ID"].startswith("<reminder.")
    assert "Hello Pat," in message.get_body(("plain",)).get_content()
    assert "<p>Hello Pat,</p>" in message.get_body(("html",)).get_content()
