"""What the audit trail of staff access costs (kneeapp/audit.py): a physiotherapist's list page
of 100 patients' plans and one plan's page, with the recording middleware and without it,
measured in alternating rounds in one run, in-process on the configured database (a throwaway
test database is made and dropped)."""

import datetime as dt
import statistics
import time

from bench import row

PATIENTS = 100
TARGET_EXTRA_PERCENT = 15  # the list page writes 100 rows in one INSERT


def world():
    from django.contrib.auth.models import Group

    from kneeapp.consent import Consent
    from kneeapp.models import PHYSIOTHERAPISTS_GROUP, User
    from reminders.models import StretchPlan

    physio = User.objects.create_user("bench-physio@example.com", None, is_staff=True)
    physio.groups.add(Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)[0])
    patients = [
        User.objects.create_user(f"bench-patient-{n}@example.com", None, physiotherapist=physio)
        for n in range(PATIENTS)
    ]
    for patient in patients:
        Consent.objects.give(patient)
    plans = [
        StretchPlan.objects.create(patient=p, physiotherapist=physio, starts_on=dt.date(2026, 1, 1))
        for p in patients
    ]
    return physio, plans[0]


def timed(client, url: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return (time.perf_counter() - start) * 1000 / repeat


def measure(rounds: int, repeat: int) -> dict[tuple[str, bool], float]:
    from django.conf import settings
    from django.test import Client, override_settings
    from django.urls import reverse

    physio, plan = world()
    client = Client()
    client.force_login(physio)
    pages = {
        # The admin shows 100 rows a page: every plan, one audit row per patient.
        "list page, 100 patients": reverse("admin:reminders_stretchplan_changelist"),
        "one plan's page": reverse("admin:reminders_stretchplan_change", args=[plan.pk]),
    }
    without = [m for m in settings.MIDDLEWARE if m != "kneeapp.audit.StaffAccessMiddleware"]
    samples = {(page, audited): [] for page in pages for audited in (True, False)}
    for url in pages.values():
        timed(client, url, 3)  # warm the caches and the connection
    from kneeapp.audit import StaffAccess

    for _ in range(rounds):
        for page, url in pages.items():
            samples[(page, True)].append(timed(client, url, repeat))
            with override_settings(MIDDLEWARE=without):
                samples[(page, False)].append(timed(client, url, repeat))
    # Every audited list request wrote a row per patient, and every plan page one row.
    assert StaffAccess.objects.count() >= rounds * repeat * (PATIENTS + 1)
    return {key: statistics.median(values) for key, values in samples.items()}


def run(quick: bool = False) -> list[dict]:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    rounds, repeat = (3, 5) if quick else (9, 20)
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        medians = measure(rounds, repeat)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
        teardown_test_environment()
    rows = []
    for page in dict.fromkeys(page for page, _ in medians):
        audited, plain = medians[(page, True)], medians[(page, False)]
        extra = 100 * (audited - plain) / plain
        rows.append(
            row(
                f"audit trail, {page} ({connection.vendor})",
                f"{audited:.1f} ms with, {plain:.1f} ms without ({extra:+.0f} %)",
                f"≤ +{TARGET_EXTRA_PERCENT} %",
                extra <= TARGET_EXTRA_PERCENT,
            )
        )
    return rows
