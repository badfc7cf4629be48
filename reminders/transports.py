"""One small class per channel; each raises TransportError, permanent or not.

A transient error (network, 429, 5xx, an SMTP 4xx) is retried by the send task with backoff;
a permanent one (bad address, gone subscription) is recorded and never retried. Every attempt
at one reminder carries the same idempotency key, so that a repeat after a worker died
mid-send collapses into the first: the email's Message-ID, the push message's Topic.

Each transport instance serves one batch (``sending.send_batch``): ``Email`` keeps one SMTP
connection for it; ``WebPush`` uses a requests.Session per push service origin and a VAPID
signature per audience, both kept for the life of the worker process.
"""

import contextlib
import email.policy
import hashlib
import json
import logging
import os
import smtplib
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from reminders import destinations
from reminders.notifications import Notification, unsubscribe_url
from reminders.receipts import receipt_token, receipt_url
from reminders.vapid import vapid_keys

log = logging.getLogger(__name__)

# Push services keep a message this long for a phone that is off; a stretch reminder
# older than its slot's grace is no use, a "see a doctor" alert still is a day later.
PUSH_TTL = 60 * 60
ALERT_PUSH_TTL = 24 * 60 * 60
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


class LongHeadersPolicy(email.policy.EmailPolicy):
    """SMTP's policy, but List-Unsubscribe* written as they are, on one line (up to RFC
    5322's 998 characters): folded past 78, Python encodes a URL with no space in it as an
    RFC 2047 word (``=?utf-8?q?=3Chttps…``), which mail clients do not read as a link."""

    def _fold(self, name, value, *args, **kwargs):
        line = f"{name}: {value}"
        if name.lower().startswith("list-unsubscribe") and len(line) <= 998 and line.isascii():
            return line + self.linesep
        return super()._fold(name, value, *args, **kwargs)


SMTP_POLICY = LongHeadersPolicy(linesep="\r\n")


class ReminderEmail(EmailMultiAlternatives):
    """A reminder email: built with SMTP_POLICY whatever policy the backend asks for."""

    def message(self, *, policy=None):
        return super().message(policy=SMTP_POLICY)


class Email:
    """Sends over one SMTP connection, opened at the first message and kept for the batch
    (``close`` ends it); a connection left unusable by an error is opened again."""

    def __init__(self):
        self.mailer = None

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
        context = {
            "patient": patient,
            "notification": notification,
            "unsubscribe_url": unsubscribe_url(patient, timezone.now()),
        }
        message = ReminderEmail(
            subject=notification.title,
            body=render_to_string("reminders/email/reminder.txt", context),
            to=[patient.email],
            headers={
                # The same for every attempt at this reminder, so that a copy sent again
                # after a worker died mid-send is recognised as the same message.
                "Message-ID": message_id(notification.tag),
                "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(
            render_to_string("reminders/email/reminder.html", context), "text/html"
        )
        mailer = self.connect()
        try:
            mailer.send_messages([message])
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


def refused_by_server(error: smtplib.SMTPResponseException) -> TransportError:
    log.error(
        "the SMTP server refuses to send for us (%s %s): check EMAIL_URL (host, TLS, user and "
        "password) and DEFAULT_FROM_EMAIL; reminders are retried until MAX_ATTEMPTS",
        error.smtp_code,
        error.smtp_error,
    )
    return TransportError(f"email: the server refuses us: {error}", server=True)


def message_id(tag: str) -> str:
    """A Message-ID made of the reminder's tag (one per reminder, not per attempt)."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder.{tag}@{domain}>"


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
        check_destination(subscription.endpoint)
        origin = origin_of(subscription.endpoint)
        try:
            webpush(
                subscription.as_subscription_info(),
                data=payload,
                ttl=ALERT_PUSH_TTL if urgent else PUSH_TTL,
                headers={
                    "Authorization": vapid_authorization(origin),
                    "Urgency": "high" if urgent else "normal",
                    # Topic: a repeat of the same reminder replaces the one still waiting.
                    "Topic": topic(tag),
                },
                timeout=10,
                requests_session=session_for(origin),
            )
        except WebPushException as error:
            status = error.status_code
            if status in (404, 410):
                log.info("push subscription %s is gone (%s): deleted", subscription.pk, status)
                subscription.delete()
                raise TransportError(
                    f"push: subscription gone ({status})", permanent=True
                ) from None
            if status == 429:
                raise TransportError(
                    "push: rate limited (429)", retry_after=retry_after_seconds(error.retry_after)
                ) from None
            if status is not None and status >= 500:
                retry_after = retry_after_seconds(error.retry_after) if error.retry_after else None
                raise TransportError(
                    f"push: service error ({status})", retry_after=retry_after
                ) from None
            raise TransportError(f"push: refused ({status})", permanent=True) from None
        except requests.RequestException as error:
            raise TransportError(f"push: {error}") from error


# A VAPID signature (RFC 8292) is good for at most 24 hours; ours for 12, reused until this
# much of that is left, so a push service never sees one about to expire.
VAPID_LIFETIME = 12 * 60 * 60
VAPID_MARGIN = 10 * 60
# In this process: a requests.Session per push service origin (its connections kept alive),
# and the VAPID Authorization header per audience, with its expiry. Keyed by process id, so
# a forked pool process never shares a parent's sockets.
_sessions: dict[tuple[int, str], requests.Session] = {}
_signatures: dict[tuple, tuple[str, int]] = {}


def origin_of(endpoint: str) -> str:
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


def session_for(origin: str) -> requests.Session:
    key = (os.getpid(), origin)
    if key not in _sessions:
        _sessions[key] = requests.Session()
    return _sessions[key]


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
