"""The reminders API: my plan, "done" marks, push subscriptions and reminder preferences.

Every view acts on the signed-in user's own rows only; another user's schedule or
subscription answers 404, exactly like one that does not exist. Two take no session, as a
service worker calls them when the session may have expired: a push receipt (its signed
token says which delivery and phone) and a renewed subscription (the old endpoint says
which browser).
"""

from django.core import signing
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from reminders import plans, receipts, snooze
from reminders.models import PushSubscription
from reminders.preferences import save_preferences
from reminders.serializers import (
    DayPlanSerializer,
    DoneSerializer,
    EndpointSerializer,
    PreferencesSerializer,
    PushStateSerializer,
    PushSubscriptionSerializer,
    ReceiptSerializer,
    RenewSerializer,
)
from reminders.serializers import ReceiptSerializer as LaterSerializer  # {"token": …} too


def sessionless_post(view):
    """A POST that reads no session and asks for no sign-in: a secret in its body is the key
    (a service worker posts without the session cookie, and the session may have expired)."""
    return api_view(["POST"])(authentication_classes([])(permission_classes([AllowAny])(view)))


@extend_schema(summary="My stretch plan and today's reminders", responses=DayPlanSerializer)
@api_view(["GET"])
def plan(request: Request) -> Response:
    return Response(DayPlanSerializer(plans.day_plan(request.user)).data)


@extend_schema(
    summary=(
        "Mark a reminder's stretches done, or one exercise of it with `item`, with how it "
        "felt (idempotent per schedule, date and item)"
    ),
    request=DoneSerializer,
    responses={201: DoneSerializer, 200: DoneSerializer, 400: OpenApiResponse(), 404: None},
)
@api_view(["POST"])
def plan_done(request: Request) -> Response:
    body = DoneSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    try:
        _completion, created = plans.mark_done_as_asked(request.user, data)
    except plans.DoneRejected as error:
        return Response({error.field: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(body.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(
    methods=["POST"],
    summary="Register this browser's Web Push subscription (as PushManager.subscribe gave it)",
    request=PushSubscriptionSerializer,
    responses={201: PushStateSerializer, 200: PushStateSerializer, 400: OpenApiResponse()},
)
@extend_schema(
    methods=["DELETE"],
    summary="Forget this browser's Web Push subscription",
    request=EndpointSerializer,
    responses={204: None, 404: None},
)
@api_view(["POST", "DELETE"])
def push_subscriptions(request: Request) -> Response:
    if request.method == "DELETE":
        body = EndpointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deleted, _ = PushSubscription.objects.filter(
            patient=request.user, endpoint=body.validated_data["endpoint"]
        ).delete()
        if not deleted:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
    body = PushSubscriptionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    subscription, created = register(request, request.user, body.validated_data)
    if not request.user.remind_by_push:
        save_preferences(request.user, {"remind_by_push": True})
    return Response(
        PushStateSerializer(subscription).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


def register(request: Request, patient, data: dict):
    # The endpoint names one browser: if someone else signed in on it before, the browser
    # now belongs to whoever subscribes from it (holding the endpoint means holding it).
    return PushSubscription.objects.register(
        patient,
        data["endpoint"],
        data["keys"]["p256dh"],
        data["keys"]["auth"],
        # gunicorn refuses a NUL in a header, but PostgreSQL would 500 on one anyway.
        user_agent=request.headers.get("User-Agent", "").replace("\x00", ""),
        replaces=data.get("replaces", ""),
    )


@extend_schema(
    summary="A service worker's new subscription (pushsubscriptionchange), without a session",
    description="The endpoint it had stands for the browser: only it and the push service "
    "know it. The row keeps its patient; an unknown old endpoint is a 404.",
    request=RenewSerializer,
    responses={200: PushStateSerializer, 400: OpenApiResponse(), 404: None},
)
@sessionless_post
def push_subscription_renew(request: Request) -> Response:
    body = RenewSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    old = body.validated_data["old_endpoint"]
    row = PushSubscription.objects.filter(endpoint=old).select_related("patient").first()
    if row is None:
        raise Http404
    subscription, _created = register(
        request, row.patient, {**body.validated_data["subscription"], "replaces": old}
    )
    return Response(PushStateSerializer(subscription).data)


@extend_schema(
    summary="A phone showed this push (its service worker's receipt), without a session",
    request=ReceiptSerializer,
    responses={204: None, 400: OpenApiResponse(), 404: None},
)
@sessionless_post
def push_receipt(request: Request, delivery_id: int) -> Response:
    body = ReceiptSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        receipts.confirm(delivery_id, body.validated_data["token"], timezone.now())
    except signing.BadSignature:
        return Response(
            {"token": ["This receipt token is not valid."]}, status=status.HTTP_400_BAD_REQUEST
        )
    except receipts.UnknownReceipt:
        raise Http404 from None
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary=(
        '"Later" on a push: the reminder again in 30 minutes, once, without a session (the '
        "push's signed token says which)"
    ),
    request=LaterSerializer,
    responses={201: None, 200: None, 400: OpenApiResponse(), 404: None, 409: None, 410: None},
)
@sessionless_post
def plan_later(request: Request) -> Response:
    body = LaterSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        delivery = snooze.for_user(body.validated_data["token"])  # no session is read
    except snooze.LaterExpired:
        return Response({"token": ["This reminder is too old to move."]}, status=410)
    if delivery is None:
        raise Http404
    moved = snooze.snooze(delivery, timezone.now())
    if moved is None:
        return Response({"detail": "This reminder was already moved once."}, status=409)
    answer = {"at": moved.delivery.not_before, "created": moved.created}
    return Response(answer, status=201 if moved.created else 200)


@extend_schema(methods=["GET"], summary="My reminder preferences", responses=PreferencesSerializer)
@extend_schema(
    methods=["PATCH"],
    summary="Change my reminder preferences",
    request=PreferencesSerializer,
    responses=PreferencesSerializer,
)
@api_view(["GET", "PATCH"])
def preferences(request: Request) -> Response:
    if request.method == "GET":
        return Response(PreferencesSerializer(request.user).data)
    body = PreferencesSerializer(request.user, data=request.data, partial=True)
    body.is_valid(raise_exception=True)
    save_preferences(request.user, dict(body.validated_data))
    return Response(PreferencesSerializer(request.user).data)
