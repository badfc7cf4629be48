"""One small class per channel; each raises TransportError, permanent or not.

A transient error (network, 429, 5xx, an SMTP 4xx) is retried by the send task with backoff;
a permanent one (bad address, gone subscription) is recorded and never retried. Every attempt
at one reminder carries the same idempotency key, so that a repeat after a worker died
mid-send collapses into the first: the email's Message-ID, the push message's Topic.

Each transport instance serves one batch (``sending.send_batch``): ``Email`` keeps one SMTP
connection for it; ``WebPush`` uses a kept-alive connection per push service origin and a
VAPID signature per audience (``reminders.vapid``), both kept for the life of the worker
process, and encrypts each message for its browser (``reminders.push_encryption``).
"""

import contextlib
import hashlib
import http.client
import json
import logging
import os
import smtplib
import ssl
from urllib.parse import urlsplit

import certifi
import requests
import urllib3
from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils import timezone
from urllib3.util.wait import wait_for_read

from reminders import destinations
from reminders.emails import Composer, plain_address
from reminders.notifications import Notification
from reminders.push_encryption import encrypt
from reminders.receipts import receipt_token, receipt_url
from reminders.vapid import vapid_authorization

log = logging.getLogger(__name__)

# Push services keep a message this long for a phone that is off; a stretch reminder
# older than its slot's grace is no use, a "see a doctor" alert still is a day later.
PUSH_TTL = 60 * 60
ALERT_PUSH_TTL = 24 * 60 * 60
PUSH_TIMEOUT = 10  # seconds, to connect and for each read
PUSH_MAX_PAYLOAD = 4096 - 103  # aes128gcm adds a 86-byte header, padding and a tag


class TransportError(Exception):
    """``permanent``: never retried. ``server``: the server refused us, not this message, so
    the rest of a batch on this channel fails alike without being tried."""

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        retry_after: int | None = None,
        server: bool = False,
    ):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.server = server


class Email:
    """Sends over one SMTP connection, opened at the first message and kept for the batch
    (``close`` ends it); a connection left unusable by an error is opened again."""

    def __init__(self):
        self.mailer = None
        self.composer = Composer()
        self.senders: dict[str, str] = {}

    def sender(self, mailer) -> str:
        """The envelope sender, as Django's SMTP backend writes it (once per batch)."""
        from_email = settings.DEFAULT_FROM_EMAIL
        if from_email not in self.senders:
            self.senders[from_email] = mailer.prep_address(from_email)
        return self.senders[from_email]

    def close(self) -> None:
        if self.mailer is not None:
            with contextlib.suppress(Exception):
                self.mailer.close()
            self.mailer = None

    def connect(self):
        """The open connection, or the server's refusal as a TransportError for the batch.

        Refused at connect, HELO, STARTTLS or AUTH (554 at the greeting, 530, 535): that is
        the server's or our configuration, not the patient's address. It is retried like a
        server that is down (so it recovers once fixed, and fails after MAX_ATTEMPTS), and
        logged as an error naming EMAIL_URL.
        """
        if self.mailer is None:
            mailer = mail.mailers.default
            try:
                mailer.open()
            except smtplib.SMTPResponseException as error:
                raise refused_by_server(error) from error
            except OSError as error:
                unreachable = f"email: cannot reach the server: {error}"
                raise TransportError(unreachable, server=True) from error
            self.mailer = mailer
        return self.mailer

    def send(self, patient, notification: Notification, urgent: bool = False) -> None:
        parts = self.composer.parts(patient, notification, timezone.now())
        mailer = self.connect()
        wire = self.composer.wire(parts) if isinstance(mailer, SMTPBackend) else None
        try:
            if wire is None:
                mailer.send_messages([parts.message()])
            else:  # the same bytes, made without the email package's objects (emails.py)
                to = parts.to if plain_address(parts.to) else mailer.prep_address(parts.to)
                sendmail(mailer.connection, self.sender(mailer), to, wire)
        except smtplib.SMTPRecipientsRefused as error:
            # 550 "no such user" is final; 450/451 (greylisting, a full mailbox) is not.
            codes = [code for code, _text in error.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise TransportError(f"email: address refused: {error}", permanent=permanent) from error
        except smtplib.SMTPDataError as error:
            # This message refused: 5xx is the server's final word on it; 4xx "later".
            self.close()
            raise TransportError(f"email: {error}", permanent=error.smtp_code >= 500) from error
        except smtplib.SMTPResponseException as error:  # sender or HELO refused: not the patient's
            self.close()
            raise refused_by_server(error) from error
        except OSError as error:  # dropped, timed out: the next message reconnects
            self.close()
            raise TransportError(f"email: {error}") from error


def sendmail(smtp: smtplib.SMTP, sender: str, to: str, message: bytes) -> None:
    """``smtp.sendmail(sender, [to], message)``: the same commands, the same errors. For two
    plain addresses (each its own addr-spec) the MAIL and RCPT lines are written here, as
    smtplib's ``quoteaddr`` would write them, instead of through the email package's address
    parser, twice a message; the data goes through smtplib's ``data()``."""
    if not (plain_address(sender) and plain_address(to)):
        smtp.sendmail(sender, [to], message)
        return
    smtp.ehlo_or_helo_if_needed()
    size = f" size={len(message)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"from:<{sender}>{size}")
    code, reply = smtp.getreply()
    if code != 250:
        abandon(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    smtp.putcmd("rcpt", f"to:<{to}>")
    code, reply = smtp.getreply()
    if code not in (250, 251):
        abandon(smtp, code)
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    code, reply = smtp.data(message)
    if code != 250:
        abandon(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as smtplib does: a 421 closes the connection, any other resets."""
    if code == 421:
        smtp.close()
    else:
        smtp._rset()


def refused_by_server(error: smtplib.SMTPResponseException) -> TransportError:
    log.error(
        "the SMTP server refuses to send for us (%s %s): check EMAIL_URL (host, TLS, user and "
        "password) and DEFAULT_FROM_EMAIL; reminders are retried until MAX_ATTEMPTS",
        error.smtp_code,
        error.smtp_error,
    )
    return TransportError(f"email: the server refuses us: {error}", server=True)


def retry_after_seconds(value: str | None, default: int = 60) -> int:
    try:
        return max(1, min(int(value), 60 * 60))
    except (TypeError, ValueError):
        return default


class WebPush:
    """Sends to every subscription of the patient; a gone subscription is deleted."""

    def send(self, patient, notification: Notification, urgent: bool = False) -> None:
        subscriptions = list(patient.push_subscriptions.all())
        if not subscriptions:
            raise TransportError("push: no subscription", permanent=True)
        transient = permanent = None
        delivered = 0
        for subscription in subscriptions:
            try:
                payload = push_payload(notification, subscription)
                self.send_one(subscription, payload, notification.tag, urgent)
                delivered += 1
            except TransportError as error:
                if error.permanent:
                    permanent = error
                else:
                    transient = error
        # A retry resends to every subscription: the Topic makes a repeat replace the first.
        if transient is not None:
            raise transient
        if not delivered:
            raise permanent

    def send_one(self, subscription, payload: str, tag: str, urgent: bool) -> None:
        """POST the encrypted payload: what pywebpush's ``webpush()`` through a
        requests.Session put on the wire, header for header, without either's per-request
        work (about 1.2 ms of CPU a push, most of it requests' own)."""
        check_destination(subscription.endpoint)
        url = urlsplit(subscription.endpoint)
        origin = f"{url.scheme}://{url.netloc}"
        body = encrypt(payload.encode(), subscription)
        headers = {
            **REQUESTS_HEADERS,
            "authorization": vapid_authorization(origin),
            "urgency": "high" if urgent else "normal",
            # Topic: a repeat of the same reminder replaces the one still waiting.
            "topic": topic(tag),
            "content-encoding": "aes128gcm",
            "ttl": str(ALERT_PUSH_TTL if urgent else PUSH_TTL),
            "Content-Length": str(len(body)),
        }
        path = url.path + (f"?{url.query}" if url.query else "")
        status, wait = post(origin, path or "/", body, headers)
        if status <= 202:  # pywebpush's rule: 201 Created, 202 Accepted
            return
        if status in (404, 410):
            log.info("push subscription %s is gone (%s): deleted", subscription.pk, status)
            subscription.delete()
            raise TransportError(f"push: subscription gone ({status})", permanent=True)
        if status == 429:
            raise TransportError("push: rate limited (429)", retry_after=retry_after_seconds(wait))
        if status >= 500:
            retry_after = retry_after_seconds(wait) if wait else None
            raise TransportError(f"push: service error ({status})", retry_after=retry_after)
        raise TransportError(f"push: refused ({status})", permanent=True)


# What a requests.Session sends on every request (requests.utils.default_headers()), first.
REQUESTS_HEADERS = dict(requests.utils.default_headers())


# In this process: a connection per push service origin (kept alive; a urllib3 pool through
# a proxy). Keyed by process id, so a forked pool process never shares a parent's sockets.
_connections: dict[tuple[int, str], http.client.HTTPConnection | None] = {}
_pools: dict[tuple[int, str], tuple[urllib3.PoolManager, urllib3.HTTPConnectionPool]] = {}


def origin_of(endpoint: str) -> str:
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


def post(origin: str, path: str, body: bytes, headers: dict) -> tuple[int, str | None]:
    """POST to the push service: its status and Retry-After. Straight through the
    process's kept-alive http.client connection (what urllib3 wraps, without its pool's
    per-request work: about a fifth of a push's CPU), or through urllib3's pool when a proxy
    is set (``pool_for``)."""
    connection = connection_for(origin)
    if connection is None:
        try:
            response = pool_for(origin).urlopen(
                "POST", path, body=body, headers=headers, retries=False, timeout=PUSH_TIMEOUT
            )
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise TransportError(f"push: {error}") from error
        return response.status, response.headers.get("Retry-After")
    if connection.sock is not None and wait_for_read(connection.sock, timeout=0.0):
        connection.close()  # closed by the service while idle (urllib3 checks the same)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()  # the whole answer, so that the connection can carry the next
    except (http.client.HTTPException, OSError) as error:
        connection.close()
        raise TransportError(f"push: {error}") from error
    return response.status, response.getheader("Retry-After")


def connection_for(origin: str) -> http.client.HTTPConnection | None:
    """This process's connection to a push service (opened at its first request, kept
    alive, opened again when closed), certificates checked against the same CA bundle as
    requests (certifi); None when HTTPS_PROXY or HTTP_PROXY applies to it."""
    key = (os.getpid(), origin)
    if key not in _connections:
        url = urlsplit(origin)
        if requests.utils.get_environ_proxies(origin).get(url.scheme):
            _connections[key] = None
        elif url.scheme == "https":
            context = ssl.create_default_context(cafile=certifi.where())
            context.set_alpn_protocols(["http/1.1"])
            _connections[key] = http.client.HTTPSConnection(
                url.hostname, url.port, timeout=PUSH_TIMEOUT, context=context
            )
        else:
            _connections[key] = http.client.HTTPConnection(
                url.hostname, url.port, timeout=PUSH_TIMEOUT
            )
    return _connections[key]


def pool_for(origin: str) -> urllib3.HTTPConnectionPool:
    """This process's connections to a push service: kept alive, certificates checked
    against the same CA bundle as requests (certifi), through HTTPS_PROXY if set."""
    key = (os.getpid(), origin)
    if key not in _pools:
        options = {"maxsize": 1, "block": False}
        options |= {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}  # https only
        proxy = requests.utils.get_environ_proxies(origin).get(urlsplit(origin).scheme)
        if proxy:
            manager = urllib3.ProxyManager(proxy, **options)
        else:
            manager = urllib3.PoolManager(**options)
        _pools[key] = (manager, manager.connection_from_url(origin))  # the manager owns it
    return _pools[key][1]


def push_payload(notification: Notification, subscription) -> str:
    """The JSON a subscription is sent, with its receipt token (one per delivery and phone)."""
    receipt = None
    if notification.delivery_id is not None:
        receipt = {
            "url": receipt_url(notification.delivery_id),
            "token": receipt_token(notification.delivery_id, subscription.pk),
        }
    payload = json.dumps(notification.push_payload(receipt), separators=(",", ":"))
    if len(payload.encode()) > PUSH_MAX_PAYLOAD:
        raise TransportError("push: payload over 4 KB", permanent=True)
    return payload


def check_destination(endpoint: str) -> None:
    """Refuse to post where the endpoint's name resolves now to a non-public address."""
    host = urlsplit(endpoint).hostname or ""
    try:
        public = destinations.resolves_publicly(endpoint)
    except (OSError, UnicodeError) as error:
        raise TransportError(f"push: cannot resolve {host!r} ({error})") from None
    if not public:
        raise TransportError(
            f"push: {host!r} resolves to an address off the public internet", permanent=True
        )


def topic(tag: str) -> str:
    """A Topic header: at most 32 characters of the base64url alphabet."""
    return hashlib.sha256(tag.encode()).hexdigest()[:32]


TRANSPORTS = {"email": Email, "push": WebPush}
