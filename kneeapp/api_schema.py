"""The OpenAPI schema's error responses, added to every operation where they can happen.

Every API view shares the same ways of failing (DRF's session authentication and CSRF
check, the JSON parser, the field validation of a serializer, URL converters), so these
responses are documented here once rather than on each view; a view's own
``@extend_schema(responses=...)`` still wins for a code it names.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    """A refusal that concerns no one field."""

    detail = serializers.CharField()


class RefusalSerializer(ErrorDetailSerializer):
    """A 403: not signed in, a bad CSRF token, or (``code``) consent is needed first."""

    code = serializers.CharField(
        required=False, help_text="`consent_required` when consent is needed first."
    )
    consent_url = serializers.CharField(required=False)


FIELD_ERRORS = OpenApiResponse(
    {"type": "object", "additionalProperties": {}},
    description="Bad input: a list of messages per invalid field (nested for nested fields), "
    "or `detail` when the body is not JSON; nothing already saved was changed.",
)
NOT_SIGNED_IN = OpenApiResponse(
    RefusalSerializer,
    description="Not signed in, or (for a signed-in change) the CSRF token is missing or wrong, "
    "or `code` is `consent_required`: the signed-in patient has not agreed to the current text "
    "about their health data, and must do so at `consent_url` first (nothing was done).",
)
NOT_FOUND = OpenApiResponse(
    description="No such object, or it is someone else's (both look the same), or a page "
    "number past the end."
)
NOT_JSON = OpenApiResponse(
    ErrorDetailSerializer, description="The body must be JSON (`Content-Type: application/json`)."
)


class WallClockTimeExtension(OpenApiSerializerFieldExtension):
    """Times of day here are on the patient's own clock ("08:00:00"), with no UTC offset.

    OpenAPI's ``format: time`` is RFC 3339's, which requires an offset, so it would lie.
    """

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "example": "22:00"}
        return {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
            "example": "08:00:00",
        }


class AutoSchema(SpectacularAutoSchema):
    def get_request_serializer(self):
        # ``extend_schema(request=...)`` answers before this: only a declared body is
        # documented for DELETE, none is guessed.
        if self.method == "DELETE":
            return None
        return super().get_request_serializer()

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        if self.method == "DELETE" and "requestBody" not in operation:
            # drf-spectacular documents no DELETE body, but a view may declare one (the push
            # subscription to forget is named by its endpoint in the body, as it is created).
            declared = self.get_request_serializer()
            if declared is not None:
                schema, required = self._get_request_for_media_type(declared)
                operation["requestBody"] = {
                    "content": {"application/json": {"schema": schema}},
                    "required": required,
                }
        responses = operation["responses"]
        for code, response in self.error_responses(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return operation

    def error_responses(self, operation: dict) -> dict[str, OpenApiResponse]:
        where = {parameter["in"] for parameter in operation.get("parameters", [])}
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        has_body = "requestBody" in operation
        errors = {}
        if has_body or query:
            errors["400"] = FIELD_ERRORS
        # Any operation: a signed-in patient without consent is refused before the view
        # (kneeapp/consent.py), besides the refusals of authentication and CSRF.
        errors["403"] = NOT_SIGNED_IN
        if "path" in where or "page" in query:
            errors["404"] = NOT_FOUND
        if has_body:
            errors["415"] = NOT_JSON
        return errors
