"""reminders/signed.py makes the tokens signing.dumps makes; reminders/links.py the paths
reverse() gives."""

from unittest import mock

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse

from reminders import links, signed


@pytest.mark.parametrize(
    ("obj", "salt", "compress"),
    [
        ([12, 34], "reminders.later", False),
        ({"u": 7, "c": "email", "t": 1780000000000}, "reminders.unsubscribe", True),
        ({"long": "x" * 200}, "reminders.unsubscribe", True),  # compressed for real
        (["é", None], "reminders.push-receipt", False),
    ],
)
def test_a_token_is_the_one_signing_dumps_makes(obj, salt, compress):
    with mock.patch("django.core.signing.time.time", return_value=1780000000.5):
        made = signed.dumps(obj, salt=salt, compress=compress)
        assert made == signing.dumps(obj, salt=salt, compress=compress)
    assert signing.loads(made, salt=salt) == obj


def test_a_new_secret_signs_with_the_new_key():
    before = signed.dumps([1], salt="reminders.later")
    with override_settings(SECRET_KEY="another secret key, long enough for the check"):
        after = signed.dumps([1], salt="reminders.later")
        assert signing.loads(after, salt="reminders.later") == [1]
    with pytest.raises(signing.BadSignature):
        signing.loads(after, salt="reminders.later")
    assert signing.loads(before, salt="reminders.later") == [1]


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("reminders:plan", None),
        ("api-plan-later", None),
        ("reminders:later", "WzEsMl0:1vQx7a:abc-_DEF"),
        ("reminders:unsubscribe", ".eJyrVirNS1GyUkpOLU"),
        ("api-push-receipt", 123),
        ("reminders:later", "a token with ünusual characters"),  # left to reverse()
    ],
)
def test_a_path_is_the_one_reverse_gives(name, arg):
    for _twice in range(2):  # prepared at the first call, filled in at the next
        expected = reverse(name) if arg is None else reverse(name, args=[arg])
        assert links.path_to(name, arg) == expected


def test_a_whole_number_path_refuses_what_reverse_refuses():
    links.path_to("api-push-receipt", 1)
    with pytest.raises(Exception) as by_reverse:
        reverse("api-push-receipt", args=["abc"])
    with pytest.raises(by_reverse.type):
        links.path_to("api-push-receipt", "abc")
