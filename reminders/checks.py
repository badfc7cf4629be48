"""Deployment checks of the reminders app (``manage.py check --deploy``, with DEBUG off).

Apple's push service refuses a VAPID subject whose host cannot be reached (403 BadJwtToken),
so with ``mailto:reminders@localhost`` no iPhone gets a reminder while every other browser
does. The check reads the subject only: there is no DNS lookup, and a laptop's DEBUG default
stays as it is.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

# Names that never resolve on the public internet (RFC 6761, RFC 6762, ICANN's .internal).
PRIVATE_SUFFIXES = (".localhost", ".local", ".test", ".internal", ".invalid", ".example")


def subject_host(subject: str) -> str:
    """The host of ``mailto:user@host`` or ``https://host/…``, lower case, without a port."""
    if subject.startswith("mailto:"):
        address = subject.removeprefix("mailto:").split("?", 1)[0]
        return address.rpartition("@")[2].strip().rstrip(".").lower()
    return (urlsplit(subject).hostname or "").rstrip(".").lower()


def unreachable_reason(host: str) -> str:
    """Why a push service could not reach ``host``, or "" if it might."""
    if not host:
        return "it names no host"
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return "its host is an IP address, not a domain name"
    if host == "localhost" or host.endswith(PRIVATE_SUFFIXES):
        return f"{host!r} is a name that does not resolve on the public internet"
    if "." not in host:
        return f"{host!r} is not a full domain name"
    return ""


@register(Tags.security, deploy=True)
def check_vapid_subject(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    reason = unreachable_reason(subject_host(settings.VAPID_SUBJECT))
    if not reason:
        return []
    return [
        Error(
            f"VAPID_SUBJECT {settings.VAPID_SUBJECT!r} cannot be used: {reason}. Apple's push "
            "service refuses such a subject (403 BadJwtToken), so iPhones get no reminders.",
            hint="Set VAPID_SUBJECT to mailto:someone@your-domain or https://your-site.",
            id="reminders.E001",
        )
    ]
