"""Celery tasks of the project itself: housekeeping, and the password reset email."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kneeapp import audit
from kneeapp.models import Invitation, User, UserSession


@shared_task
def clear_expired_sessions() -> int:
    """Delete session rows past their expiry (what ``manage.py clearsessions`` does)."""
    deleted, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def prune_staff_access() -> int:
    """Delete audit rows past ``AUDIT_RETENTION_DAYS``."""
    return audit.prune()


@shared_task
def send_password_reset(user_id: int | None) -> bool:
    """Email a password reset link to this user, built here from ``SITE_URL``.

    The request only queues the user's id (or None, for an address without an account, so
    that both take the same time): no token ever sits in the broker, and the link never
    comes from the request's Host header.
    """
    if user_id is None:
        return False
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValueError(f"user_id must be a whole number or None, not {user_id!r}")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"link": settings.SITE_URL + path, "user": user}
    subject = loader.render_to_string("kneeapp/password_reset_subject.txt", context)
    body = loader.render_to_string("kneeapp/password_reset_email.txt", context)
    EmailMultiAlternatives("".join(subject.splitlines()), body, to=[user.email]).send()
    return True


@shared_task
def send_invitation(invitation_id: int) -> bool:
    """Email a physiotherapist's invitation; the link is built here from ``SITE_URL``."""
    if not isinstance(invitation_id, int) or isinstance(invitation_id, bool):
        raise ValueError(f"invitation_id must be a whole number, not {invitation_id!r}")
    invitation = Invitation.objects.open().filter(pk=invitation_id).first()
    if invitation is None:
        return False
    context = {"invitation": invitation, "link": invitation.link, "days": settings.INVITATION_DAYS}
    subject = loader.render_to_string("kneeapp/invitation_subject.txt", context)
    body = loader.render_to_string("kneeapp/invitation_email.txt", context)
    EmailMultiAlternatives("".join(subject.splitlines()), body, to=[invitation.email]).send()
    return True
