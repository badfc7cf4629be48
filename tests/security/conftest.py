"""Fixtures shared by the security tests."""

import pytest


@pytest.fixture
def fast_password_hashing(settings):
    """For tests that check many passwords: what they test is not the hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
