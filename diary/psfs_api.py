"""The PSFS API (mounted under /api/v1/me/psfs/): the signed-in patient's own assessments.

``PUT /api/v1/me/psfs/<uuid>/`` creates or updates an assessment by its client-made UUID, as
the diary's PUT does: a second send of the same answers changes nothing, the newest edit wins
by ``client_updated_at`` (``kept`` says whose version is saved), and another patient's id
answers 404. ``GET`` lists one's assessments oldest first, or reads one.
"""

import uuid

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from diary.models import (
    PSFS_MAX,
    PSFS_MAX_ACTIVITIES,
    PSFS_MIN,
    PSFS_NAME_MAX_LENGTH,
    Outcome,
    PsfsAssessment,
    PsfsError,
)
from diary.serializers import PhoneWriteChecks, put_from_the_phone_schema


class RatingSerializer(serializers.Serializer):
    activity = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The id of an activity rated before (renaming it keeps it the same "
        "activity); left out, the activity is found by its name or made.",
    )
    name = serializers.CharField(max_length=PSFS_NAME_MAX_LENGTH, help_text="e.g. “stairs”")
    score = serializers.IntegerField(
        min_value=PSFS_MIN, max_value=PSFS_MAX, help_text="0 = unable to do it, 10 = as before"
    )

    def to_representation(self, rating):
        return {
            "activity": str(rating.activity_id),
            "name": rating.activity.name,
            "score": rating.score,
        }


class PsfsAssessmentSerializer(PhoneWriteChecks, serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    date = serializers.DateField()
    ratings = RatingSerializer(many=True, min_length=1, max_length=PSFS_MAX_ACTIVITIES)
    average = serializers.FloatField(read_only=True, help_text="mean of the scores, 0 to 10")
    client_updated_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def validate_ratings(self, value):
        names = [" ".join(rating["name"].split()).casefold() for rating in value]
        if len(set(names)) != len(names):
            raise serializers.ValidationError(_("Each activity once, please."))
        return value


class PsfsWriteResponseSerializer(PsfsAssessmentSerializer):
    kept = serializers.ChoiceField(
        choices=[("sent", "sent"), ("server", "server")],
        read_only=True,
        help_text="`sent`: these answers are saved. `server`: the server holds a newer edit "
        "of this assessment (a later `client_updated_at`), returned instead.",
    )


class PsfsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PsfsAssessmentSerializer(many=True)


@extend_schema(
    operation_id="v1_me_psfs_list",
    summary="My PSFS assessments (Patient-Specific Functional Scale), oldest first",
    responses={200: PsfsPageSerializer},
)
@api_view(["GET"])
def assessment_list(request: Request) -> Response:
    assessments = PsfsAssessment.objects.of(request.user).with_ratings()
    assessments = assessments.order_by("date", "created_at")
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(assessments, request)
    return paginator.get_paginated_response(PsfsAssessmentSerializer(page, many=True).data)


def own_assessment(request: Request, assessment_id: uuid.UUID) -> PsfsAssessment:
    found = PsfsAssessment.objects.of(request.user).with_ratings().filter(pk=assessment_id).first()
    if found is None:
        raise Http404
    return found


@extend_schema(
    methods=["GET"], summary="One of my PSFS assessments", responses=PsfsAssessmentSerializer
)
@put_from_the_phone_schema(
    "a PSFS assessment",
    request=PsfsAssessmentSerializer,
    response=PsfsWriteResponseSerializer,
    updated="updated, unchanged (same answers again) or kept the server's newer edit",
    owned="assessment",
)
@api_view(["GET", "PUT"])
def assessment_detail(request: Request, assessment_id: uuid.UUID) -> Response:
    if request.method == "GET":
        return Response(PsfsAssessmentSerializer(own_assessment(request, assessment_id)).data)
    incoming = PsfsAssessmentSerializer(data=request.data, context={"request": request})
    incoming.is_valid(raise_exception=True)
    data = incoming.validated_data
    try:
        result = PsfsAssessment.objects.record(
            request.user, assessment_id, data["date"], data["ratings"], data["client_updated_at"]
        )
    except PsfsAssessment.DoesNotExist:
        raise Http404 from None
    except PsfsError as error:
        raise serializers.ValidationError({"ratings": {error.field: [error.message]}}) from None
    saved = own_assessment(request, result.entry.pk)
    body = PsfsAssessmentSerializer(saved).data | {"kept": result.kept}
    created = result.outcome == Outcome.CREATED
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


urlpatterns = [
    path("", assessment_list, name="psfs-list"),
    path("<uuid:assessment_id>/", assessment_detail, name="psfs-detail"),
]
