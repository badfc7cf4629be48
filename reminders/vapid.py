"""The VAPID key pair that signs our Web Push requests, and the signature (RFC 8292) itself.

Production sets VAPID_PRIVATE_KEY (PEM, or raw base64url) and VAPID_PUBLIC_KEY (base64url of
the uncompressed point, as browsers want it for ``applicationServerKey``). Without them, a pair
is generated once into ``var/vapid.json`` so that the embedded default works on a laptop.
"""

import base64
import json
import time
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url of the raw 32-byte private number, as pywebpush accepts it
    public_key: str  # base64url of the 65-byte uncompressed public point


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(b64url(private), b64url(public))


@cache
def vapid_keys() -> VapidKeys:
    if settings.VAPID_PRIVATE_KEY:
        return VapidKeys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    path = settings.VAR_DIR / "vapid.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = generate()
        path.write_text(
            json.dumps({"private_key": keys.private_key, "public_key": keys.public_key})
        )
        path.chmod(0o600)
    data = json.loads(path.read_text())
    return VapidKeys(data["private_key"], data["public_key"])


# A VAPID signature (RFC 8292) is good for at most 24 hours; ours for 12, reused until this
# much of that is left, so a push service never sees one about to expire.
VAPID_LIFETIME = 12 * 60 * 60
VAPID_MARGIN = 10 * 60
# The Authorization header per audience in this process, with its expiry.
_signatures: dict[tuple, tuple[str, int]] = {}


def vapid_authorization(audience: str) -> str:
    """``vapid t=<JWT>,k=<public key>`` for this audience, signed once per lifetime."""
    keys = vapid_keys()
    key = (audience, settings.VAPID_SUBJECT, keys.private_key)
    now = int(time.time())
    header, expires = _signatures.get(key, ("", 0))
    if expires - VAPID_MARGIN <= now:
        expires = now + VAPID_LIFETIME
        claims = {"sub": settings.VAPID_SUBJECT, "aud": audience, "exp": expires}
        header = Vapid.from_string(private_key=keys.private_key).sign(claims)["Authorization"]
        _signatures[key] = (header, expires)
    return header
