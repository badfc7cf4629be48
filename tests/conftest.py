"""Test personas shared by every app's tests.

Five people: an anonymous visitor, a patient and another patient, a physiotherapist (who
looks after ``patient``) and another physiotherapist (who looks after ``other_patient``),
plus an administrator. Each ``*_client`` fixture is a Django test client signed in as them.
"""

import functools

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.test import Client

from kneeapp.models import PHYSIOTHERAPISTS_GROUP, Consent, User

PASSWORD = "a-long-test-password-42"


def password_hash() -> str:
    """PASSWORD hashed once per set of hashers, with the real hasher: hashing it for every
    persona of every test costs about a second each on this machine. Keyed on the hashers
    because some tests switch to a fast one, and a hash is only checked by its own."""
    return hash_with(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def hash_with(hashers: tuple[str, ...]) -> str:
    return make_password(PASSWORD)


def make_person(email: str, *, superuser: bool = False, consented: bool = True, **fields) -> User:
    """A user whose password is PASSWORD (signing in with it checks the real hash).

    A patient has agreed to the current consent text, as at sign-up, unless ``consented``
    is False (an account from before consent was asked for). Staff are never asked."""
    create = User.objects.create_superuser if superuser else User.objects.create_user
    user = create(email, None, **fields)
    user.password = password_hash()
    user.save(update_fields=["password"])
    if consented and not user.is_staff:
        Consent.objects.give(user)
    return user


def make_physiotherapist(email: str) -> User:
    user = make_person(email, name=email.split("@")[0], is_staff=True)
    # get_or_create: transactional tests flush the tables, and with them the group the
    # data migration made.
    group, _ = Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def physiotherapist(db) -> User:
    return make_physiotherapist("physio@test.example")


@pytest.fixture
def other_physiotherapist(db) -> User:
    return make_physiotherapist("other-physio@test.example")


# The two patients, each looked after by their own physiotherapist, in two time zones (the
# access matrix builds the same people: tests/security/matrix_world.py).
PATIENTS = {
    "patient": {"email": "patient@test.example", "name": "Pat", "time_zone": "Europe/London"},
    "other_patient": {
        "email": "other-patient@test.example",
        "name": "Olly",
        "time_zone": "America/New_York",
    },
}


@pytest.fixture
def patient(db, physiotherapist) -> User:
    return make_person(**PATIENTS["patient"], physiotherapist=physiotherapist)


@pytest.fixture
def other_patient(db, other_physiotherapist) -> User:
    return make_person(**PATIENTS["other_patient"], physiotherapist=other_physiotherapist)


@pytest.fixture
def administrator(db) -> User:
    return make_person("admin@test.example", superuser=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


def client_fixture(persona: str):
    """The fixture ``<persona>_client``: a test client signed in as that persona."""

    @pytest.fixture(name=f"{persona}_client")
    def signed_in_client(request) -> Client:
        return signed_in(request.getfixturevalue(persona))

    return signed_in_client


(
    patient_client,
    other_patient_client,
    physiotherapist_client,
    other_physiotherapist_client,
    administrator_client,
) = map(
    client_fixture,
    ("patient", "other_patient", "physiotherapist", "other_physiotherapist", "administrator"),
)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The production build of the static files (hashed names), collected once per run."""
    from tests.static_build import collect

    return collect(tmp_path_factory.mktemp("static-root"))


@pytest.fixture
def hashed_static(collected_static):
    """This test runs with production's static files: hashed names from the manifest."""
    from tests.static_build import hashed

    with hashed(collected_static):
        yield collected_static
