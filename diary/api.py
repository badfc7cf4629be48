"""The diary's REST API: PUT an entry by its client-made UUID, read, list and delete.

``PUT`` answers 201 when it created the entry and 200 otherwise, with ``kept`` saying
whether the version sent was saved (``sent``) or the server holds a newer edit by
``client_updated_at`` and returns that one (``server``), or the entry was deleted after
this edit was made (``deleted``, with ``deleted_at``; a deletion wins over every write made
before it, see ``DeletedEntry``). A stale write answers 200 and not 409 on purpose: the
phone's outbox is then done with it and shows what the server keeps. ``DELETE`` of an entry
deleted already answers 204 again. One entry a day: a PUT of a new id for a day that has an
entry updates that entry (the answer carries its id) and the new id then addresses it too.
"""

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from diary import fhir
from diary.models import DayTaken, DeletedEntry, DiaryEntry, Outcome
from diary.serializers import (
    DiaryEntryPageSerializer,
    DiaryEntrySerializer,
    WriteResponseSerializer,
    put_from_the_phone_schema,
)


class RangeSerializer(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    # Checked here because the paginator reads an empty or zero ``?page=`` as page 1.
    page = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if "since" in attrs and "until" in attrs and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": _("The end must not be before the start.")})
        return attrs


@extend_schema(
    operation_id="v1_diary_entries_list",
    summary="My diary entries, newest first",
    parameters=[
        OpenApiParameter("since", OpenApiTypes.DATE, description="first date (inclusive)"),
        OpenApiParameter("until", OpenApiTypes.DATE, description="last date (inclusive)"),
        OpenApiParameter("page", OpenApiTypes.INT, description="page number, from 1"),
    ],
    responses={200: DiaryEntryPageSerializer},
)
@api_view(["GET"])
def entry_list(request: Request) -> Response:
    # A plain dict, not the QueryDict: DRF would read an empty ``?since=`` as no bound at all.
    query = RangeSerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    bounds = {
        key: query.validated_data[key] for key in ("since", "until") if key in query.validated_data
    }
    entries = DiaryEntry.objects.of(request.user).between(**bounds)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(entries, request)
    return paginator.get_paginated_response(DiaryEntrySerializer(page, many=True).data)


def own_entry(request: Request, entry_id: uuid.UUID) -> DiaryEntry:
    entry = DiaryEntry.objects.of(request.user).addressed(entry_id).first()
    if entry is None:
        raise Http404
    return entry


@extend_schema(methods=["GET"], summary="One of my diary entries", responses=DiaryEntrySerializer)
@put_from_the_phone_schema(
    "a diary entry",
    request=DiaryEntrySerializer,
    response=WriteResponseSerializer,
    updated=(
        "updated, unchanged (same body again), kept the server's newer edit, or "
        "deleted after this edit was made (`kept: deleted`)"
    ),
    owned="entry",
)
@extend_schema(methods=["DELETE"], summary="Delete one of my diary entries", responses={204: None})
@api_view(["GET", "PUT", "DELETE"])
def entry_detail(request: Request, entry_id: uuid.UUID) -> Response:
    if request.method == "GET":
        return Response(DiaryEntrySerializer(own_entry(request, entry_id)).data)
    if request.method == "DELETE":
        # Sent twice by an outbox, or from two phones: deleted already is deleted.
        if not DeletedEntry.objects.filter(pk=entry_id, patient=request.user).exists():
            own_entry(request, entry_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    incoming = DiaryEntrySerializer(data=request.data, context={"request": request})
    incoming.is_valid(raise_exception=True)
    try:
        result = DiaryEntry.objects.write(
            request.user,
            entry_id,
            incoming.content(),
            incoming.validated_data["client_updated_at"],
        )
    except DiaryEntry.DoesNotExist:
        raise Http404 from None
    except DayTaken:
        message = _("There is already an entry for this day: change that one instead.")
        raise serializers.ValidationError({"date": [message]}) from None
    if result.entry is None:  # deleted after this edit was made: the deletion wins
        body = {"id": str(entry_id), "kept": result.kept, "deleted_at": result.deleted_at}
        return Response(body, status=status.HTTP_200_OK)
    body = WriteResponseSerializer(result.entry).data | {"kept": result.kept}
    created = result.outcome == Outcome.CREATED
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(
    operation_id="v1_me_fhir",
    summary="My consult pack as a FHIR R4 Bundle (collection)",
    description=(
        "The Patient, a QuestionnaireResponse per symptom checker result and per PSFS "
        "assessment, an Observation per diary day (pain, LOINC 72514-3) over the last 90 "
        "days; stable urn:uuid fullUrls."
    ),
    responses={(200, fhir.CONTENT_TYPE): OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def fhir_bundle(request: Request) -> HttpResponse:
    # A plain response: FHIR's own media type whatever the Accept header asks for.
    body = json.dumps(fhir.bundle(request.user), cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, content_type=f"{fhir.CONTENT_TYPE}; charset=utf-8")
