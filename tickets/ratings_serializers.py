"""Input and output shapes of the rating follow-up actions (review-rating, return-visit,
praise). Inputs validate; tickets.ratings changes things."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import serializers

from .models import Praise, PraiseKind, Rating, ReturnVisit, ReturnVisitMethod, ReviewVerdict
from .serializers import REASON_MAX, Text


class RatingReviewInput(serializers.Serializer):  # type: ignore[type-arg]
    verdict = serializers.ChoiceField(choices=ReviewVerdict.choices)
    reason = Text(required=False, allow_blank=True, max_length=REASON_MAX, default="")
    is_reasonable = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_true = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_malicious = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        if attrs.get("verdict") == ReviewVerdict.DISMISSED and not str(attrs.get("reason") or "").strip():
            raise serializers.ValidationError({"reason": [gettext("A dismissed bad review needs its reason.")]})
        return attrs


class RatingOutput(serializers.ModelSerializer[Rating]):
    class Meta:
        model = Rating
        fields = [
            "id",
            "ticket",
            "score",
            "comment",
            "is_default",
            "resolution_round",
            "rated_by",
            "created_at",
            "review_verdict",
            "review_reason",
            "reviewed_by",
            "reviewed_at",
            "is_reasonable",
            "is_true",
            "is_malicious",
            "return_visit_due_at",
        ]


class ReturnVisitInput(serializers.Serializer):  # type: ignore[type-arg]
    method = serializers.ChoiceField(choices=ReturnVisitMethod.choices)
    result = Text(max_length=REASON_MAX)
    satisfied = serializers.BooleanField()


class ReturnVisitOutput(serializers.ModelSerializer[ReturnVisit]):
    # plain text in the output: the choice set is documented once, on the input (one enum)
    method = serializers.CharField(read_only=True)

    class Meta:
        model = ReturnVisit
        fields = ["id", "ticket", "rating", "method", "result", "satisfied", "visited_by", "visited_at"]


class PraiseInput(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=PraiseKind.choices)
    note = Text(required=False, allow_blank=True, max_length=REASON_MAX, default="")


class PraiseOutput(serializers.ModelSerializer[Praise]):
    kind = serializers.CharField(read_only=True)  # the choice set is documented on the input

    class Meta:
        model = Praise
        fields = ["id", "ticket", "enterprise", "officer", "kind", "note", "recorded_by", "created_at"]
