"""Whose writes the offline outbox (static/kneeapp/outbox.js) may send.

On a shared phone, one person's writes can wait in the outbox while another signs in. Pages
carry an opaque key for the signed-in person (``outbox_owner``); the outbox stores it with each
write and sends it back as ``X-Kneeapp-Owner``. A write whose key is not the signed-in
person's is refused with 403, which the outbox keeps for later: it goes out when its author
signs in again, and never lands in someone else's diary.
"""

from django.http import JsonResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

OWNER_HEADER = "X-Kneeapp-Owner"


def outbox_owner(user) -> str:
    """The signed-in person's key ("" for a visitor): stable, and meaningless without SECRET_KEY."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return salted_hmac("kneeapp.outbox.owner", str(user.pk), algorithm="sha256").hexdigest()[:32]


class OutboxOwnerMiddleware:
    """Refuse a queued write sent under someone else's session. Goes after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(OWNER_HEADER)
        if (
            sent
            and request.user.is_authenticated
            and not constant_time_compare(sent, outbox_owner(request.user))
        ):
            message = _(
                "This change was made on this device by another account. "
                "It will be sent when that person signs in again."
            )
            return JsonResponse({"detail": message}, status=403)
        return self.get_response(request)
