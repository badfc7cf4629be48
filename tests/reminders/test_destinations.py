"""Push destinations: nothing on the server's own network, in any spelling (SSRF)."""

import pytest

from reminders.destinations import acceptable_endpoint, public_address

# The cloud metadata service, loopback and a private address, hidden in every IPv6 form
# that carries an IPv4 address.
HIDDEN = [
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",  # NAT64 (RFC 6052)
    "64:ff9b::7f00:1",
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215)
    "64:ff9b:1:ffff::a00:1",
    "2002:a9fe:a9fe::1",  # 6to4
    "2002:7f00:1::",
    "2002:a00:1::1",
    "2001:0:a9fe:a9fe::1",  # Teredo, by its server
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, by its client (192.0.2.45)
    "::a9fe:a9fe",  # IPv4-compatible (deprecated)
    "::7f00:1",
]


@pytest.mark.parametrize("address", HIDDEN)
def test_an_ipv6_address_counts_as_the_ipv4_address_inside_it(address):
    assert public_address(address) is False


@pytest.mark.parametrize("address", HIDDEN)
def test_a_hidden_address_is_refused_as_a_push_endpoint(address, settings):
    settings.DEBUG = settings.REMINDERS_ALLOW_LOOPBACK_PUSH = False
    assert acceptable_endpoint(f"https://[{address}]/push/1") is False


def test_a_public_address_inside_stays_public():
    assert public_address("64:ff9b::808:808") is True  # NAT64 to 8.8.8.8
    assert public_address("2002:808:808::1") is True  # 6to4 from 8.8.8.8
    assert public_address("2606:4700::1111") is True
    assert public_address("8.8.8.8") is True
    assert public_address("push.example.com") is None  # a name: checked when resolved
