"""Give the demo accounts new random passwords and print them (``make demo-passwords``).

For when the passwords ``seed_demo`` printed are lost: the database keeps only their hashes,
so they cannot be shown again, only replaced. Also lifts a sign-in lockout of those accounts
(too many wrong passwords), which would otherwise refuse the new password for a while.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from kneeapp.management.commands.seed_demo import DEMO_ACCOUNTS, demo_accounts_box, new_password
from kneeapp.models import LoginThrottle, User
from kneeapp.signin import account_key

NO_ACCOUNTS = "There are no demo accounts yet: make run (or manage.py seed_demo) makes them."


class Command(BaseCommand):
    help = "Set new random passwords for the demo accounts (made by seed_demo) and print them."

    def handle(self, *args, **options):
        try:
            passwords = self.renew()
        except DatabaseError as error:  # not migrated yet, say
            raise CommandError(f"{NO_ACCOUNTS} ({error})") from error
        if not passwords:
            raise CommandError(NO_ACCOUNTS)
        self.stdout.write(demo_accounts_box(passwords))

    @transaction.atomic
    def renew(self) -> dict[str, str]:
        passwords = {}
        for user in User.objects.filter(email__in=DEMO_ACCOUNTS):
            passwords[user.email] = new_password()
            user.set_password(passwords[user.email])
            user.save(update_fields=["password"])
            LoginThrottle.objects.filter(key=account_key(user.email)).delete()
        return passwords
