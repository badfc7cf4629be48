"""Load the demo data: a physiotherapist, their patient, and what each app adds. Idempotent.

A demo account's password is chosen when the account is created and printed then, in a box
after everything else; only its hash is kept. ``demo_passwords`` sets new ones at any time.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from kneeapp.data_rights import seed_demo
from kneeapp.models import PHYSIOTHERAPISTS_GROUP, Consent, User

PHYSIO_EMAIL = "physio@example.com"
PATIENT_EMAIL = "patient@example.com"
# Each demo account and what it is for, in the order they are shown.
DEMO_ACCOUNTS = {
    PHYSIO_EMAIL: "physiotherapist, and admin at /admin/",
    PATIENT_EMAIL: "patient",
}
NEW_PASSWORDS_HINT = "New passwords at any time: make demo-passwords (manage.py demo_passwords)"


def new_password() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def seed(log) -> dict[str, str]:
    """Create the demo accounts and data where missing; later runs change nothing.

    Returns the password of each account created now, by email: it is not kept anywhere.
    """
    created: dict[str, str] = {}
    physio = demo_user(PHYSIO_EMAIL, created, name="Pat Physio", is_staff=True)
    group, _ = Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)
    physio.groups.add(group)
    patient = demo_user(
        PATIENT_EMAIL,
        created,
        name="Sam Patient",
        physiotherapist=physio,
        time_zone="Europe/London",
    )
    if PATIENT_EMAIL in created:  # as at sign-up: agreed to the consent text of the day
        Consent.objects.give(patient)
    seed_demo(patient, physio, log)
    return created


def demo_user(email, created, **fields) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        created[email] = new_password()
        user = User.objects.create_user(email, created[email], **fields)
    return user


def demo_accounts_box(passwords: dict[str, str], url: str | None = None) -> str:
    """The demo accounts that exist, with the passwords given (just set), framed in a box."""
    emails = [e for e in DEMO_ACCOUNTS if User.objects.filter(email=e).exists()]
    if not emails:
        return ""
    lines = [f"Demo accounts, to sign in at {url}" if url else "Demo accounts"]
    lines.append("")
    width = max(map(len, emails))
    for email in emails:
        password = f"password: {passwords[email]}   " if email in passwords else ""
        lines.append(f"  {email:<{width}}   {password}({DEMO_ACCOUNTS[email]})")
    lines.append("")
    if passwords:
        lines.append("Shown only now: the database keeps just a hash of each password.")
    else:
        lines.append("Their passwords are the ones printed when they were created.")
    lines.append(NEW_PASSWORDS_HINT)
    inner = max(map(len, lines))
    rule = "+" + "-" * (inner + 4) + "+"
    return "\n".join([rule, *(f"|  {line:<{inner}}  |" for line in lines), rule])


class Command(BaseCommand):
    help = (
        "Create the demo physiotherapist and patient (their passwords printed when created) "
        "and the demo data. Idempotent."
    )

    def handle(self, *args, **options):
        passwords = seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        if passwords:
            self.stdout.write(demo_accounts_box(passwords))
        else:
            self.stdout.write(f"The demo accounts already exist. {NEW_PASSWORDS_HINT}")
