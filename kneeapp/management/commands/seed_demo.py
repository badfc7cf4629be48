"""Load the demo data: a physiotherapist, their patient, and what each app adds. Idempotent."""

import secrets

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from kneeapp.data_rights import seed_demo
from kneeapp.models import PHYSIOTHERAPISTS_GROUP, User

PHYSIO_EMAIL = "physio@example.com"
PATIENT_EMAIL = "patient@example.com"


class Command(BaseCommand):
    help = "Create the demo physiotherapist and patient (passwords printed once) and demo data."

    @transaction.atomic
    def handle(self, *args, **options):
        physio = self.user(PHYSIO_EMAIL, name="Pat Physio", is_staff=True)
        group, _ = Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)
        physio.groups.add(group)
        patient = self.user(
            PATIENT_EMAIL, name="Sam Patient", physiotherapist=physio, time_zone="Europe/London"
        )
        seed_demo(patient, physio, self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))

    def user(self, email, **fields):
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user(email, password, **fields)
        # Printed this once only: later runs leave the account and its password alone.
        self.stdout.write(f"Created {email} with password: {password}")
        return user
