"""Push receipts: the phone's service worker reports each push it showed.

Every push carries a token signed for its delivery and the subscription it went to, so the
report needs no session (a home-screen app's session may long have expired). A subscription
whose pushes go unconfirmed for ``SILENCE`` gets its patient's reminders by email too, when
they chose push with email as fallback (``PushSubscription.objects.heard_from``).
"""

import datetime as dt

from django.core import signing
from django.db import transaction
from django.db.models import Q

from reminders import signed
from reminders.links import path_to
from reminders.models import Channel, Delivery, PushSubscription

RECEIPT_SALT = "reminders.push-receipt"
# Longer than a push may wait at the push service (ALERT_PUSH_TTL), with a day to spare.
RECEIPT_MAX_AGE = dt.timedelta(days=2)


class UnknownReceipt(Exception):
    """The token is sound but names another delivery, or one that is gone."""


def receipt_token(delivery_id: int, subscription_id: int) -> str:
    return signed.dumps([delivery_id, subscription_id], salt=RECEIPT_SALT)


def receipt_url(delivery_id: int) -> str:
    return path_to("api-push-receipt", delivery_id)


def confirm(delivery_id: int, token: str, now: dt.datetime) -> bool:
    """Record that the phone showed the push; False if that was recorded already.

    Raises ``signing.BadSignature`` (or its ``SignatureExpired``) for a forged or old token,
    ``UnknownReceipt`` for a token of another delivery, or when the rows are gone. A token
    sent again changes nothing: the subscription's time moves only for a push claimed after
    its last receipt.
    """
    signed_delivery, subscription_id = signing.loads(
        token, salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE
    )
    if signed_delivery != delivery_id:
        raise UnknownReceipt
    with transaction.atomic():
        delivery = (
            Delivery.objects.filter(pk=delivery_id, channel=Channel.PUSH)
            .only("patient_id", "claimed_at", "confirmed_at")
            .select_for_update()
            .first()
        )
        subscription = PushSubscription.objects.filter(
            pk=subscription_id, patient_id=getattr(delivery, "patient_id", None)
        )
        if delivery is None or not subscription.exists():
            raise UnknownReceipt
        first = delivery.confirmed_at is None
        if first:
            Delivery.objects.filter(pk=delivery_id).update(confirmed_at=now)
        later = Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=delivery.claimed_at or now)
        moved = subscription.filter(later).update(confirmed_at=now)
    return first or bool(moved)
