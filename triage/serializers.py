"""Input and output shapes of the triage API (the output ones document the OpenAPI schema)."""

from rest_framework import serializers

from triage.knowledge import AnswersError, load_knowledge, validate_answers, validate_unsure

UNSURE_MAX_LENGTH = 20


class TextUUIDField(serializers.UUIDField):
    """A UUID written as text: DRF's own field also takes a number (even ``false``) as one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class AssessmentRequestSerializer(serializers.Serializer):
    """What a client sends: the answers, and optionally its own UUID for idempotent saves."""

    id = TextUUIDField(
        required=False,
        help_text="A UUID made by the client. Sending the same id again returns the "
        "assessment saved the first time (200) and changes nothing; an id used by someone "
        "else gets 409.",
    )
    answers = serializers.DictField(
        help_text="Finding id to answer (true/false, a whole number or an option id). "
        "A missing finding means 'not asked or not known'."
    )

    unsure = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        max_length=UNSURE_MAX_LENGTH,
        help_text="Red-flag finding ids the patient answered 'not sure' to (contract rule 9); "
        "each at least `see_doctor`. A finding may not be both answered and unsure.",
    )

    def validate(self, data: dict) -> dict:
        try:
            data["unsure"] = validate_unsure(
                load_knowledge(), data.get("unsure", []), data["answers"]
            )
        except AnswersError as error:
            raise serializers.ValidationError({"unsure": [error.errors["unsure"]]}) from None
        return data

    def validate_answers(self, answers: dict) -> dict:
        try:
            return validate_answers(load_knowledge(), answers)
        except AnswersError as error:
            errors = {finding: [message] for finding, message in error.errors.items()}
            raise serializers.ValidationError(errors) from None


class CauseSerializer(serializers.Serializer):
    id = serializers.CharField()
    score = serializers.FloatField()
    because = serializers.ListField(child=serializers.CharField())


class AssessmentResultSerializer(serializers.Serializer):
    """The contract's result, plus the assessment's id."""

    id = serializers.UUIDField()
    urgency = serializers.ChoiceField(choices=["self_care", "see_doctor", "urgent", "emergency"])
    causes = CauseSerializer(many=True)
    red_flags = serializers.ListField(child=serializers.CharField())
    advice = serializers.ListField(child=serializers.CharField())
    knowledge_version = serializers.CharField()
    unsure = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The red flags taken as not sure, in knowledge-base order; only when any.",
    )
