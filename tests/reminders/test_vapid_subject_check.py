"""The deployment check that refuses a VAPID subject Apple's push service would refuse."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reminders.checks import check_vapid_subject

UNUSABLE = [
    "mailto:reminders@localhost",
    "mailto:reminders@kneeapp.local",
    "mailto:reminders@clinic.test",
    "mailto:ops@push.internal",
    "mailto:ops@10.0.0.7",
    "mailto:ops@[::1]",
    "https://localhost/contact",
    "https://kneeapp.local:8443/",
    "https://clinic.test/",
    "https://app.internal/",
    "https://192.168.1.20/",
    "https://[2001:db8::1]/",
    "mailto:ops@intranet",
]


@pytest.mark.parametrize("subject", UNUSABLE)
def test_a_subject_apple_would_refuse_is_an_error_naming_the_setting(settings, subject):
    settings.DEBUG = False
    settings.VAPID_SUBJECT = subject
    [error] = check_vapid_subject()
    assert error.id == "reminders.E001" and error.is_serious()
    assert "VAPID_SUBJECT" in error.msg and subject in error.msg


@pytest.mark.parametrize(
    "subject",
    [
        "mailto:reminders@kneeapp.example.org",
        "https://kneeapp.example.org/contact",
        "mailto:a@b.co",
    ],
)
def test_a_subject_on_a_public_domain_passes(settings, subject):
    settings.DEBUG = False
    settings.VAPID_SUBJECT = subject
    assert check_vapid_subject() == []


def test_check_deploy_refuses_the_embedded_default_with_debug_off(settings):
    settings.DEBUG = False
    settings.VAPID_SUBJECT = "mailto:reminders@localhost"
    assert "reminders.E001" in [
        message.id for message in run_checks(tags=["security"], include_deployment_checks=True)
    ]
    with pytest.raises(SystemCheckError, match="VAPID_SUBJECT"):
        call_command("check", "--deploy", "--tag", "security")


def test_the_embedded_default_keeps_working_with_debug_on(settings):
    settings.DEBUG = True
    settings.VAPID_SUBJECT = "mailto:reminders@localhost"
    assert check_vapid_subject() == []
    assert "reminders.E001" not in [message.id for message in run_checks(tags=["security"])]
