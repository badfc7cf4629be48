"""The reminders API: my plan, "done" marks, push subscriptions and reminder preferences.

Every view acts on the signed-in user's own rows only; another user's schedule or
subscription answers 404, exactly like one that does not exist.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reminders import plans
from reminders.models import PushSubscription
from reminders.preferences import save_preferences
from reminders.serializers import (
    DayPlanSerializer,
    DoneSerializer,
    EndpointSerializer,
    PreferencesSerializer,
    PushSubscriptionSerializer,
)


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
        _completion, created = plans.mark_done(
            request.user,
            data["schedule"],
            data["date"],
            item_id=data.get("item"),
            effort=data.get("effort", ""),
            pain=data.get("pain"),
        )
    except plans.DoneRejected as error:
        return Response({error.field: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(body.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(
    methods=["POST"],
    summary="Register this browser's Web Push subscription (as PushManager.subscribe gave it)",
    request=PushSubscriptionSerializer,
    responses={201: None, 200: None, 400: OpenApiResponse()},
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
    data = body.validated_data
    # The endpoint names one browser: if someone else signed in on it before, the browser
    # now belongs to whoever subscribes from it (holding the endpoint means holding it).
    _subscription, created = PushSubscription.objects.update_or_create(
        endpoint=data["endpoint"],
        defaults={
            "patient": request.user,
            "p256dh": data["keys"]["p256dh"],
            "auth": data["keys"]["auth"],
            # gunicorn refuses a NUL in a header, but PostgreSQL would 500 on one anyway.
            "user_agent": request.headers.get("User-Agent", "").replace("\x00", "")[:200],
        },
    )
    if not request.user.remind_by_push:
        save_preferences(request.user, {"remind_by_push": True})
    return Response(status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


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
