"""Values every page needs: the emergency number and the offline outbox's owner key."""

from django.conf import settings

from kneeapp.outbox import outbox_owner


def site(request):
    return {
        "emergency_phone_number": settings.EMERGENCY_PHONE_NUMBER,
        "outbox_owner": outbox_owner(getattr(request, "user", None)),
    }
