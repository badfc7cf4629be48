"""REST API of the symptom checker: the knowledge base and assessments (see docs/triage.md)."""

import hashlib
import json
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kneeapp.parsers import MAX_BODY_BYTES
from triage.engine import assess
from triage.knowledge import (
    DEFAULT_PATH,
    AnswersError,
    load_knowledge,
    validate_answers,
    validate_unsure,
)
from triage.models import Assessment, AssessmentIdTaken
from triage.serializers import (
    UNSURE_MAX_LENGTH,
    AssessmentRequestSerializer,
    AssessmentResultSerializer,
)


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


def save(answers: dict, unsure: list[str], id, user) -> tuple[dict, int]:
    """Assess valid answers and save the assessment: the API's answer and its status."""
    result = assess(load_knowledge(), answers, unsure)
    try:
        assessment, created = Assessment.objects.record(
            result, answers, unsure=unsure, user=user, id=id
        )
    except AssessmentIdTaken:
        return {"id": ["This id is already used."]}, 409
    return assessment.as_json(), 201 if created else 200


class Assessments(APIView):
    """``POST`` a set of answers. A phone's ordinary save (valid answers as the checker sends
    them) is answered by :meth:`quick_save`, without DRF's per-request machinery; anything
    else, above all every request to refuse, goes through DRF and the serializer as before,
    which answer it with their own status and error body."""

    permission_classes = [AllowAny]
    # What the app's pages and phones send; any other Accept header is DRF's to negotiate.
    QUICK_ACCEPT = ("*/*", "application/json")

    @extend_schema(
        summary="Assess a set of answers, and save the assessment",
        description="Anonymous use is allowed (nothing identifying is kept). With an `id` "
        "made by the client the call is idempotent for a signed-in person: the same id again "
        "answers 200 with the assessment saved the first time; an id that belongs to someone "
        "else, or to an anonymous assessment, answers 409 and shows nothing of it. Bad answers "
        "get 400 naming each finding, as "
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
    def post(self, request: Request) -> Response:
        serializer = AssessmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body, status = save(data["answers"], data["unsure"], data.get("id"), _signed_in(request))
        return Response(body, status=status)

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = self.quick_save(request)
        if response is None:
            return super().dispatch(request, *args, **kwargs)
        return response

    def quick_save(self, request: HttpRequest) -> HttpResponse | None:
        """The answer DRF would give to a valid save, or None for DRF to answer.

        Each step takes only what DRF's own would accept unchanged (the parser, session
        authentication with its CSRF check, content negotiation, the serializer's fields and
        checks); whatever it has a doubt about is left to DRF, so a refusal is always DRF's.
        """
        if (
            request.method != "POST"
            or request.GET
            or request.content_type != "application/json"
            or set(request.content_params) - {"charset"}
            or request.content_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8")
            or request.headers.get("Accept", "*/*") not in self.QUICK_ACCEPT
            or not 0 < _content_length(request) <= MAX_BODY_BYTES
        ):
            return None
        user = request.user
        user = user if user.is_authenticated and user.is_active else None
        if user is not None:
            try:
                SessionAuthentication().enforce_csrf(request)
            except PermissionDenied:
                return None
        try:
            data = json.loads(request.body.decode(), parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return None
        fields = _quick_fields(data)
        if fields is None:
            return None
        knowledge = load_knowledge()
        try:
            answers = validate_answers(knowledge, fields["answers"])
            unsure = validate_unsure(knowledge, fields["unsure"], answers)
        except AnswersError:
            return None
        body, status = save(answers, unsure, fields["id"], user)
        # As DRF's JSONRenderer writes it (compact, ASCII, no NaN), with DRF's Allow header.
        content = json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        response = HttpResponse(content, status=status, content_type="application/json")
        response["Allow"] = ", ".join(self.allowed_methods)
        return response


assessments = Assessments.as_view()


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # DRF's parser refuses NaN and Infinity too


def _quick_fields(data) -> dict | None:
    """``id``, ``answers`` and ``unsure`` as the request serializer's fields would give
    them, when they would take them as they are; None for the serializer to judge."""
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return None
    unsure = data.get("unsure", [])
    if not isinstance(unsure, list) or len(unsure) > UNSURE_MAX_LENGTH:
        return None
    if not all(isinstance(item, str) and item and item == item.strip() for item in unsure):
        return None
    id = data.get("id")
    if id is not None:
        try:
            id = uuid.UUID(hex=id)
        except (TypeError, ValueError, AttributeError):
            return None
    elif "id" in data:
        return None  # null: the serializer's "may not be null"
    return {"id": id, "answers": data["answers"], "unsure": unsure}


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
