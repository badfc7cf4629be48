"""Web Push message encryption (RFC 8291, aes128gcm): what a push service carries but cannot
read, for the browser's keys of one subscription."""

import base64
import hmac
import os
import struct
from typing import NamedTuple

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# The browsers' keys decoded, in this process (a bounded cache: cleared past 10,000).
_keys: dict[tuple[str, str], "BrowserKeys"] = {}


class BrowserKeys(NamedTuple):
    """A subscription's keys, decoded as pywebpush decodes them; the public key read as a
    P-256 point once (http_ece would read it again for every message)."""

    point: ec.EllipticCurvePublicKey
    public: bytes  # uncompressed, 65 bytes
    auth: bytes


def keys_of(subscription) -> BrowserKeys:
    key = (subscription.p256dh, subscription.auth)
    if key not in _keys:
        if len(_keys) > 10_000:
            _keys.clear()
        p256dh, auth = (
            base64.urlsafe_b64decode(part.encode() + b"===="[: len(part) % 4]) for part in key
        )
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
        _keys[key] = BrowserKeys(point, p256dh, auth)
    return _keys[key]


# RFC 8188's record size, as http_ece writes it; a payload fits one record (PUSH_MAX_PAYLOAD).
RECORD_SIZE = 4096
GCM_TAG = 16


def encrypt(data: bytes, subscription, private_key=None, salt: bytes | None = None) -> bytes:
    """RFC 8291 aes128gcm: a new ECDH key pair and a random salt for every message (RFC 8291
    section 2: the key pair is the message's); ``private_key`` and ``salt`` only for tests.

    The bytes http_ece writes for pywebpush (one record, the sender's key as its key id),
    worked out with one-shot HMACs for the HKDFs and one AES-GCM call, instead of http_ece's
    HKDF and cipher objects (``tests/reminders/test_webpush.py`` compares the two). A
    payload over one record goes to http_ece."""
    browser = keys_of(subscription)
    private_key = private_key or ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16) if salt is None else salt
    if len(data) + 1 + GCM_TAG > RECORD_SIZE:
        return http_ece.encrypt(
            data,
            salt=salt,
            private_key=private_key,
            dh=browser.point,
            auth_secret=browser.auth,
            version="aes128gcm",
        )
    sender = private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = private_key.exchange(ec.ECDH(), browser.point)
    # RFC 8291 section 3.4: IKM = HKDF(auth, ECDH secret, "WebPush: info" || keys, 32).
    info = b"WebPush: info\x00" + browser.public + sender
    ikm = hmac.digest(hmac.digest(browser.auth, shared, "sha256"), info + b"\x01", "sha256")
    # RFC 8188 section 2.2: the content encryption key and the nonce, from the salt.
    prk = hmac.digest(salt, ikm, "sha256")
    cek = hmac.digest(prk, b"Content-Encoding: aes128gcm\x00\x01", "sha256")[:16]
    nonce = hmac.digest(prk, b"Content-Encoding: nonce\x00\x01", "sha256")[:12]
    record = AESGCM(cek).encrypt(nonce, data + b"\x02", None)  # 2: the last record
    return salt + struct.pack("!IB", RECORD_SIZE, len(sender)) + sender + record
