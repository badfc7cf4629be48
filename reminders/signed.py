"""``django.core.signing.dumps``, with its HMAC key derived once per salt and secret.

A reminder carries two or three signed tokens (its unsubscribe link, its "later" link, its
push receipt). ``signing.dumps`` builds a signer, derives the salted HMAC key (a SHA-256 of
salt and secret) and sets up a new HMAC for each one; in the middle of a batch's sends that
took about as much CPU as the push's encryption. Here the signer is kept per salt and
secret, and every signature starts from a copy of its HMAC set up with the key. The tokens
are the very strings ``signing.dumps`` makes (``signing.loads`` reads them), which
``tests/reminders/test_signed.py`` checks.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes


class Signer(signing.TimestampSigner):
    """A TimestampSigner whose HMAC with its own key is set up once."""

    def __init__(self, salt: str):
        super().__init__(salt=salt)
        self.keyed = salted_hmac(self.salt + "signer", b"", self.key, algorithm=self.algorithm)

    def signature(self, value, key=None):
        if key is not None and key != self.key:  # a fallback key, when unsigning
            return super().signature(value, key)
        mac = self.keyed.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


_signers: dict[tuple[str, str], Signer] = {}


def dumps(obj, salt: str, compress: bool = False) -> str:
    """``signing.dumps(obj, salt=salt, compress=compress)``: the same token."""
    key = (salt, settings.SECRET_KEY)
    if key not in _signers:
        _signers[key] = Signer(salt)
    return _signers[key].sign_object(obj, compress=compress)
