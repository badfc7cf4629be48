"""Validation of the diary API's input: a field at a time, with a message per field."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from diary import extensions, red_flags
from diary.models import CONTENT_FIELDS, NOTES_MAX_LENGTH, PAIN_MAX, PAIN_MIN, DiaryEntry, Swelling

# A phone's clock can be a little ahead; much more and its edits would win forever.
CLOCK_SKEW = datetime.timedelta(days=1)


class PhoneWriteChecks:
    """The checks of a write made on a patient's phone: its date and its clock."""

    def validate_date(self, value):
        if self.context["request"].user.is_in_the_future(value):
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value

    def validate_client_updated_at(self, value):
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(
                _("This time is in the future: check the clock of your phone.")
            )
        return value


def put_from_the_phone_schema(what: str, request, response, updated: str, owned: str):
    """The OpenAPI description of a PUT that creates or updates ``what`` by the UUID its phone
    made, newest edit winning: the contract the diary entries and the PSFS assessments share.
    ``updated`` describes the 200 answers; ``owned`` names the thing another patient owns."""
    return extend_schema(
        methods=["PUT"],
        summary=f"Create or update {what} by its client-made UUID (last write wins)",
        request=request,
        responses={
            201: OpenApiResponse(response, description="created"),
            200: OpenApiResponse(response, description=updated),
            400: OpenApiResponse(description="a message per invalid field; nothing changed"),
            404: OpenApiResponse(description=f"this id is another patient's {owned}"),
        },
    )


class DiaryEntrySerializer(PhoneWriteChecks, serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True)
    pain = serializers.IntegerField(min_value=PAIN_MIN, max_value=PAIN_MAX)
    swelling = serializers.ChoiceField(choices=Swelling.choices, default=Swelling.NONE)
    stretches_done = serializers.ListField(
        child=serializers.IntegerField(min_value=1), default=list, max_length=100
    )
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, allow_blank=True, default="", trim_whitespace=True
    )
    red_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(red_flags.ALLOWED_IDS)),
        default=list,
        max_length=len(red_flags.ALLOWED_IDS),
        help_text=(
            'Finding ids of the symptom checker\'s contract, each meaning "yes". The diary '
            "asks the safety floor's single-finding triggers; any contract finding is kept."
        ),
    )
    client_updated_at = serializers.DateTimeField()

    class Meta:
        model = DiaryEntry
        fields = ["id", *CONTENT_FIELDS, "client_updated_at", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "stiffness": {"default": False},
            "walked_normally": {"default": True},
            "rice": {"default": False},
            "pain_relief": {"default": False},
        }

    def validate_stretches_done(self, value):
        value = sorted(set(value))
        choices = extensions.stretch_choices(self.context["request"].user)
        if choices is not None:
            unknown = set(value) - {item_id for item_id, _label in choices}
            if unknown:
                raise serializers.ValidationError(
                    _("Not a stretch of your plan: %(ids)s.")
                    % {"ids": ", ".join(map(str, sorted(unknown)))}
                )
        return value

    def validate_red_flags(self, value):
        return list(dict.fromkeys(value))  # unique, in the order given

    def content(self) -> dict:
        data = dict(self.validated_data)
        data.pop("client_updated_at")
        return data


class WriteResponseSerializer(DiaryEntrySerializer):
    """A written entry, plus which version the server keeps (for last-write-wins)."""

    kept = serializers.ChoiceField(
        choices=[("sent", "sent"), ("server", "server"), ("deleted", "deleted")],
        read_only=True,
        help_text=(
            "`sent`: the version in this request is saved. `server`: the server already "
            "holds a newer edit (a later `client_updated_at`), which is returned instead. "
            "`deleted`: the entry was deleted after this edit was made; only `id`, `kept` "
            "and `deleted_at` are returned."
        ),
    )

    class Meta(DiaryEntrySerializer.Meta):
        fields = [*DiaryEntrySerializer.Meta.fields, "kept"]


class DiaryEntryPageSerializer(serializers.Serializer):
    """One page of the entry list, as DRF's page-number pagination answers."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DiaryEntrySerializer(many=True)
