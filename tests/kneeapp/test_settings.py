"""Settings read from the environment: production passes the deployment check, bad values stop."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from kneeapp.settings import database_from_url, mailer_from_url

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!kq2-" + "a9Zr" * 16,
    "ALLOWED_HOSTS": "kneeapp.example.org",
    "DATABASE_URL": "postgres://kneeapp:secret@db.internal:5432/kneeapp",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "EMAIL_URL": "smtp://mailer:pw@smtp.example.org:587?tls=true",
    "VAPID_SUBJECT": "mailto:reminders@kneeapp.org",
}


def manage(*args, **env):
    # Only what a real start would have: not the production variables of another test, nor
    # the async guard the browser tests lift for their own process.
    leave_out = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in leave_out}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_uses_host_prefixed_secure_cookies_and_hsts():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    result = manage("shell", "-v", "0", "-c", code, **PRODUCTION)
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "kneeapp.postgresql",
        "redis://cache.internal:6379/0",
    ], result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://x/y"),
        ("EMAIL_URL", "pigeon://coop"),
        ("EMERGENCY_PHONE_NUMBER", "call-me"),
        ("SESSION_COOKIE_AGE", "two weeks"),
        ("VAPID_SUBJECT", "me"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(name, value):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_vapid_keys_must_come_as_a_pair():
    result = manage("check", VAPID_PRIVATE_KEY="abc")
    assert result.returncode != 0 and "VAPID_PUBLIC_KEY" in result.stderr


def test_database_urls_are_read_for_postgres_and_sqlite():
    pg = database_from_url("postgresql://u:p%40ss@h:6543/name?sslmode=require")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u",
        "p@ss",
        "h",
        "6543",
        "name",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    assert database_from_url("sqlite:////tmp/k.sqlite3")["NAME"] == "/tmp/k.sqlite3"


def test_email_urls_are_read_for_smtp_and_console():
    smtp = mailer_from_url("smtps://a:b@mail.example:465")["OPTIONS"]
    assert (smtp["host"], smtp["port"], smtp["use_ssl"], smtp["password"]) == (
        "mail.example",
        465,
        True,
        "b",
    )
    assert mailer_from_url("console:")["BACKEND"].endswith("console.EmailBackend")


def test_celery_is_configured_for_reliable_delivery():
    from kneeapp.celery import app

    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is False
    if settings.REDIS_URL:
        assert app.conf.broker_transport_options["visibility_timeout"] >= 3600
    else:
        assert app.conf.broker_url == "filesystem://localhost//"
