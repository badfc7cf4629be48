"""Fixtures shared by the security tests."""

import pytest
from django.db import transaction

from tests.security.matrix_world import build_world


@pytest.fixture
def fast_password_hashing(settings):
    """For tests that check many passwords: what they test is not the hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The access matrix's personas and their things (``matrix_world``), made once for each
    module that asks and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
