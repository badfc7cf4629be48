"""Where the server may post a push message: only to push services on the public internet.

The server itself posts to a subscription's endpoint, so an endpoint on its own network
(the database, a cloud metadata service) must never be accepted. Two checks, both here:
the URL as written when a phone subscribes (:func:`acceptable_endpoint`), and where its
name resolves when a push is sent (:func:`resolves_publicly`), since a name can be pointed
elsewhere after subscribing. Loopback is allowed for tests and development only.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Top-level names that never lead to a push service on the public internet.
LOCAL_NAMES = ("localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "arpa")


def loopback_allowed(host: str) -> bool:
    return (settings.DEBUG or settings.REMINDERS_ALLOW_LOOPBACK_PUSH) and host in LOOPBACK_HOSTS


def public_address(host: str) -> bool | None:
    """Whether an address is one on the public internet; None when ``host`` is a name.

    An address counts in every spelling a resolver takes (``127.1``, ``0x7f.0.0.1``,
    ``2130706433``), and an IPv6 address that carries an IPv4 one (``::ffff:127.0.0.1``,
    ``[64:ff9b::a9fe:a9fe]`` through NAT64) counts as the IPv4 address inside it, since the
    push goes wherever that leads.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if address.version == 6:
        if address in NAT64_LOCAL:  # local-use translation: never the public internet
            return False
        inside = embedded_ipv4(address)
        if inside:
            return all(v4.is_global and not v4.is_multicast for v4 in inside)
    return address.is_global and not address.is_multicast


NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to, for every form that carries one: mapped
    (``::ffff:0:0/96``), NAT64 (``64:ff9b::/96``), 6to4 (``2002::/16``), Teredo
    (``2001::/32``: its server and its client) and the old IPv4-compatible ``::/96``."""
    if address.ipv4_mapped:
        return [address.ipv4_mapped]
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour:
        return [address.sixtofour]
    if address.teredo:
        return list(address.teredo)
    return []


def is_public_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    public = public_address(host)
    if public is not None:
        return public
    labels = host.split(".")
    return len(labels) > 1 and labels[-1] not in LOCAL_NAMES


def acceptable_endpoint(url: str) -> bool:
    """The URL as written: https on the public internet, on the standard port, no user."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        return False
    if loopback_allowed(host) and parts.scheme in ("http", "https"):
        return True
    return (
        parts.scheme == "https"
        and parts.username is None
        and port in (None, 443)
        and is_public_host(host)
    )


def resolves_publicly(url: str) -> bool:
    """Where the URL's name resolves now: every address public. Raises OSError (or
    UnicodeError) when it does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if loopback_allowed(host):
        return True
    found = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    return bool(found) and all(public_address(info[4][0]) for info in found)
