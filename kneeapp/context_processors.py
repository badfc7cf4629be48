"""Values every page needs: the emergency number and the service-worker version."""

from django.conf import settings


def site(request):
    return {"emergency_phone_number": settings.EMERGENCY_PHONE_NUMBER}
