"""Input and output of the reminders API."""

import base64
import binascii

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kneeapp.models import ReminderChannels, validate_quiet_hours
from kneeapp.time_zones import validate_time_zone
from reminders.destinations import acceptable_endpoint
from reminders.models import Effort, PlanItem, ReminderSchedule, StretchPlan
from reminders.preferences import FIELDS

BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class PlanItemSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="exercise.name")
    body_area = serializers.CharField(source="exercise.body_area")
    instructions = serializers.CharField(source="exercise.instructions")
    cautions = serializers.CharField(source="exercise.cautions")
    illustration_url = serializers.CharField(source="exercise.illustration_url")
    hold_seconds = serializers.SerializerMethodField()
    reps = serializers.SerializerMethodField()
    sets = serializers.SerializerMethodField()

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "name",
            "body_area",
            "instructions",
            "cautions",
            "illustration_url",
            "hold_seconds",
            "reps",
            "sets",
            "notes",
        ]

    def get_hold_seconds(self, item) -> int:
        return item.dose["hold_seconds"]

    def get_reps(self, item) -> int:
        return item.dose["reps"]

    def get_sets(self, item) -> int:
        return item.dose["sets"]


class ScheduleSerializer(serializers.ModelSerializer):
    weekdays = serializers.SerializerMethodField()

    class Meta:
        model = ReminderSchedule
        fields = ["id", "time_of_day", "weekdays", "time_zone"]

    def get_weekdays(self, schedule) -> list[int]:
        """ISO weekday numbers, Monday = 1."""
        return [day + 1 for day in range(7) if schedule.on_weekday(day)]


class PlanSerializer(serializers.ModelSerializer):
    physiotherapist = serializers.StringRelatedField()
    # Both as ``plans.day_plan`` fetched them (the root's day plan, ``DayPlan``), with no
    # query of their own.
    items = serializers.SerializerMethodField()
    schedules = serializers.SerializerMethodField()

    class Meta:
        model = StretchPlan
        fields = ["id", "starts_on", "ends_on", "notes", "physiotherapist", "items", "schedules"]

    @extend_schema_field(PlanItemSerializer(many=True))
    def get_items(self, plan) -> list[dict]:
        return PlanItemSerializer(self.root.instance.items, many=True).data

    @extend_schema_field(ScheduleSerializer(many=True))
    def get_schedules(self, plan) -> list[dict]:
        return ScheduleSerializer(self.root.instance.schedules, many=True).data


class TodayReminderSerializer(serializers.Serializer):
    schedule = serializers.IntegerField(source="schedule.pk")
    date = serializers.DateField()
    time_of_day = serializers.TimeField(source="schedule.time_of_day")
    done = serializers.BooleanField()


class DayPlanSerializer(serializers.Serializer):
    date = serializers.DateField()
    plan = PlanSerializer(allow_null=True)
    today = TodayReminderSerializer(source="reminders", many=True)


class DoneSerializer(serializers.Serializer):
    """A "done" mark: the whole reminder (the body phones have queued since version 1), or
    one exercise of it with ``item``, a plan item's id, and how it felt when given."""

    schedule = serializers.IntegerField(min_value=1)
    date = serializers.DateField()
    item = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    effort = serializers.ChoiceField(choices=Effort.choices, required=False, allow_blank=True)
    pain = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)


def decoded_length(value: str) -> int | None:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return None


class SubscriptionKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100)
    auth = serializers.CharField(max_length=40)

    def check_key(self, value: str, length: int, name: str) -> str:
        value = value.rstrip("=")
        if not value or any(c not in BASE64URL for c in value) or decoded_length(value) != length:
            raise serializers.ValidationError(
                _("%(name)s must be base64url of %(length)d bytes.")
                % {"name": name, "length": length}
            )
        return value

    def validate_p256dh(self, value):
        return self.check_key(value, 65, "p256dh")

    def validate_auth(self, value):
        return self.check_key(value, 16, "auth")


def validate_endpoint(value: str) -> str:
    """A push service the server may send to (``reminders.destinations``)."""
    if acceptable_endpoint(value):
        return value
    raise serializers.ValidationError(
        _("The endpoint must be an https:// URL of a public push service.")
    )


class PushSubscriptionSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000, validators=[validate_endpoint])
    keys = SubscriptionKeysSerializer()
    expirationTime = serializers.IntegerField(required=False, allow_null=True)  # noqa: N815
    # The endpoint this browser had before, when the push service gave it a new one.
    replaces = serializers.URLField(max_length=1000, required=False, allow_blank=True)


class RenewSerializer(serializers.Serializer):
    """A service worker's ``pushsubscriptionchange``: the endpoint it had, and the new one."""

    old_endpoint = serializers.URLField(max_length=1000)
    subscription = PushSubscriptionSerializer()


class PushStateSerializer(serializers.Serializer):
    """What the page tells the patient about this phone."""

    subscribed_at = serializers.DateTimeField(source="created_at")
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReceiptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=300)


class EndpointSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)


class PreferencesSerializer(serializers.ModelSerializer):
    time_zone = serializers.CharField(max_length=64, validators=[validate_time_zone])
    reminder_channels = serializers.ChoiceField(choices=ReminderChannels.choices, required=False)

    class Meta:
        model = get_user_model()
        fields = [*FIELDS, "reminder_channels"]

    def validate(self, attrs):
        current = self.instance
        validate_quiet_hours(
            attrs.get("quiet_hours_start", getattr(current, "quiet_hours_start", None)),
            attrs.get("quiet_hours_end", getattr(current, "quiet_hours_end", None)),
        )
        return attrs
