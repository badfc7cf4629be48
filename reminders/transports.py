"""One small class per channel; each raises TransportError, permanent or not.

A transient error (network, 429, 5xx, an SMTP 4xx) is retried by the send task with backoff;
a permanent one (bad address, gone subscription) is recorded and never retried. Every attempt
at one reminder carries the same idempotency key, so that a repeat after a worker died
mid-send collapses into the first: the email's Message-ID, the push message's Topic.
"""

import hashlib
import json
import logging
import smtplib
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
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
    def __init__(self, message: str, permanent: bool = False, retry_after: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Email:
    def send(self, patient, notification: Notification, urgent: bool = False) -> None:
        context = {
            "patient": patient,
            "notification": notification,
            "unsubscribe_url": unsubscribe_url(patient),
        }
        message = EmailMultiAlternatives(
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
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            # 550 "no such user" is final; 450/451 (greylisting, a full mailbox) is not.
            codes = [code for code, _text in error.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise TransportError(f"email: address refused: {error}", permanent=permanent) from error
        except smtplib.SMTPResponseException as error:
            # 5xx is the server's final word; 4xx means "try again later".
            permanent = error.smtp_code >= 500
            raise TransportError(f"email: {error}", permanent=permanent) from error
        except OSError as error:  # connection refused or dropped, timeouts
            raise TransportError(f"email: {error}") from error


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
        keys = vapid_keys()
        try:
            webpush(
                subscription.as_subscription_info(),
                data=payload,
                vapid_private_key=keys.private_key,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=ALERT_PUSH_TTL if urgent else PUSH_TTL,
                headers={
                    "Urgency": "high" if urgent else "normal",
                    # Topic: a repeat of the same reminder replaces the one still waiting.
                    "Topic": topic(tag),
                },
                timeout=10,
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
