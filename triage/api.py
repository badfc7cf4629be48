"""REST API of the symptom checker: the knowledge base and assessments (see docs/triage.md)."""

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from triage.engine import assess
from triage.knowledge import DEFAULT_PATH, load_knowledge
from triage.models import Assessment, AssessmentIdTaken
from triage.serializers import AssessmentRequestSerializer, AssessmentResultSerializer


def knowledge_file() -> tuple[bytes, str]:
    """The knowledge base as served, and its strong ETag (a hash of exactly those bytes)."""
    load_knowledge()  # refuses a broken file before it reaches a phone
    content = DEFAULT_PATH.read_bytes()
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    return header.strip() == "*" or etag in [tag.strip() for tag in header.split(",")]


@extend_schema(
    summary="The knowledge base of the symptom checker",
    description="The JSON file the offline checker runs on, with a strong ETag; send "
    "If-None-Match to get 304 when it has not changed.",
    responses={200: OpenApiTypes.OBJECT, 304: OpenApiResponse(description="Not modified")},
    auth=[],
)
@api_view(["GET"])
@permission_classes([AllowAny])
def knowledge(request: Request) -> HttpResponse:
    content, etag = knowledge_file()
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    # Phones may keep it, but must ask again before using it: a fixed rule must reach them.
    patch_cache_control(response, no_cache=True, public=True)
    return response


def _signed_in(request: Request):
    user = request.user
    return user if user is not None and user.is_authenticated else None


@extend_schema(
    summary="Assess a set of answers, and save the assessment",
    description="Anonymous use is allowed (nothing identifying is kept). With an `id` made "
    "by the client the call is idempotent for a signed-in person: the same id again answers "
    "200 with the assessment saved the first time; an id that belongs to someone else, or "
    "to an anonymous assessment, answers 409 and shows nothing of it. Bad answers get 400 "
    "naming each finding, as "
    '`{"answers": {"age": ["must be at least 0 and at most 120"]}}`.',
    request=AssessmentRequestSerializer,
    responses={
        201: AssessmentResultSerializer,
        200: AssessmentResultSerializer,
        400: OpenApiResponse(description="Bad answers, named by finding; or not JSON"),
        409: OpenApiResponse(
            description="The id is used by someone else, or by an anonymous assessment"
        ),
    },
)
@api_view(["POST"])
@permission_classes([AllowAny])
def assessments(request: Request) -> Response:
    serializer = AssessmentRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    answers, unsure = serializer.validated_data["answers"], serializer.validated_data["unsure"]
    result = assess(load_knowledge(), answers, unsure)
    try:
        assessment, created = Assessment.objects.record(
            result,
            answers,
            unsure=unsure,
            user=_signed_in(request),
            id=serializer.validated_data.get("id"),
        )
    except AssessmentIdTaken:
        return Response({"id": ["This id is already used."]}, status=409)
    return Response(assessment.as_json(), status=201 if created else 200)


@extend_schema(
    summary="One of my saved assessments",
    responses={200: AssessmentResultSerializer, 404: OpenApiResponse(description="Not yours")},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def assessment_detail(request: Request, pk) -> Response:
    user = _signed_in(request)
    assessment = user and Assessment.objects.of(user).filter(pk=pk).first()
    if not assessment:
        raise NotFound()
    return Response(assessment.as_json())
