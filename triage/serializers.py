"""The triage API's shapes: a draft's text in, suggestions and similar tickets out."""

from __future__ import annotations

from rest_framework import serializers


class DraftInput(serializers.Serializer):  # type: ignore[type-arg]
    """A ticket being written: its title and description (either may be short or empty)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", trim_whitespace=True)
    description = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default="", trim_whitespace=True
    )


class SimilarDraftInput(DraftInput):
    service_item = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class SimilarTicketOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    similarity = serializers.FloatField()


class SuggestionOutput(serializers.Serializer):  # type: ignore[type-arg]
    service_item = serializers.CharField()
    name = serializers.CharField()
    department = serializers.IntegerField()
    department_name = serializers.CharField()
    confidence = serializers.FloatField()


class ModelOutput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField()
    trained_at = serializers.DateTimeField()
    tickets = serializers.IntegerField()


class TriageOutput(serializers.Serializer):  # type: ignore[type-arg]
    suggestions = SuggestionOutput(many=True)
    model = ModelOutput(allow_null=True)
    reason = serializers.CharField(
        help_text="empty when the model answered; else no_model, too_short, unsure, model_missing, model_corrupt"
    )
