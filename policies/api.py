"""The policies' API: `/api/v1/policies/` and `/api/v1/enterprises/{id}/policies/` (and the
enterprise's attributes at `…/profile/`). Views parse, call one service or selector
(policies.services), and render."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.actor import actor_of
from servicedesk.api.ids import BIGINT_MAX
from servicedesk.api.ids import path_id as _pk
from servicedesk.api.parsers import API_PARSERS
from servicedesk.errors import Forbidden
from servicedesk.models import Enterprise, Park, ServiceItem

from . import services
from .conditions import Qualification, SizeClass
from .models import EnterpriseProfile, EnterpriseProfileChange, Outcome, Policy, PolicyEvent, PolicyMatch, PolicyStatus


class Text(serializers.CharField):
    """Text only: a number or a list where text belongs is a 400; NUL bytes are refused."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return str(super().to_internal_value(data))


class Code(serializers.SlugRelatedField):  # type: ignore[type-arg]
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or len(data) > 100 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class Conditions(serializers.JSONField):
    """The eligibility conditions (see the policies' documentation); checked by the service."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("The conditions must be an object of attribute: value."))
        return data


CONDITIONS_HELP = (
    'every key must hold: {"parks": [id, …], "industry": ["C39", …] (GB/T 4754 prefixes), '
    '"size": ["large"|"medium"|"small"|"micro", …], "qualifications": ["high-tech"|"srdi"|"little-giant"|'
    '"tech-sme"|"above-scale", …] (all of them), "years_min": n, "years_max": n (whole years since registration)}'
)


class PolicyInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200)
    issuer = Text(max_length=100)
    summary = Text(max_length=2000)
    body = Text(max_length=50000, required=False, allow_blank=True, default="")
    benefit = Text(max_length=200)
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all())
    park = serializers.PrimaryKeyRelatedField(queryset=Park.objects.all(), required=False, allow_null=True)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True)
    conditions = Conditions(required=False, default=dict, help_text=CONDITIONS_HELP)


class PolicyUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200, required=False)
    issuer = Text(max_length=100, required=False)
    summary = Text(max_length=2000, required=False)
    body = Text(max_length=50000, required=False, allow_blank=True)
    benefit = Text(max_length=200, required=False)
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all(), required=False)
    effective_from = serializers.DateField(required=False)
    effective_to = serializers.DateField(required=False, allow_null=True)
    conditions = Conditions(required=False, help_text=CONDITIONS_HELP)


class PolicyOutput(serializers.ModelSerializer[Policy]):
    service_item = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    service_item_name = serializers.CharField(source="service_item.name", read_only=True)
    conditions = serializers.JSONField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "issuer",
            "summary",
            "body",
            "benefit",
            "service_item",
            "service_item_name",
            "park",
            "effective_from",
            "effective_to",
            "status",
            "conditions",
            "created_at",
            "updated_at",
            "published_at",
            "url",
        ]

    def get_url(self, policy: Policy) -> str:
        return f"/policies/{policy.pk}/"


class PolicyMatchOutput(serializers.ModelSerializer[PolicyMatch]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    chief_officer = serializers.IntegerField(source="enterprise.chief_officer_id", read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PolicyMatch
        fields = [
            "enterprise",
            "enterprise_name",
            "chief_officer",
            "qualified",
            "matched_at",
            "notified_at",
            "ticket",
            "ticket_number",
            "applied_at",
            "granted_at",
            "outcome",
            "decided_on",
            "outcome_remark",
            "decided_by",
        ]


class EnterprisePolicyOutput(serializers.ModelSerializer[PolicyMatch]):
    policy = PolicyOutput(read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PolicyMatch
        fields = [
            "policy",
            "qualified",
            "notified_at",
            "ticket",
            "ticket_number",
            "applied_at",
            "granted_at",
            "outcome",
            "decided_on",
        ]


class ApplyInput(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="when an officer applies for one"
    )
    note = Text(max_length=5000, required=False, allow_blank=True, default="")


class OutcomeInput(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text="the enterprise that applied")
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    decided_on = serializers.DateField(help_text="the day of the decision: not in the future, not before applying")
    remark = Text(max_length=500, required=False, allow_blank=True, default="", help_text="required when not granted")


class PolicyEventOutput(serializers.ModelSerializer[PolicyEvent]):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True, default=None, allow_null=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None, allow_null=True)
    detail = serializers.JSONField(read_only=True)

    class Meta:
        model = PolicyEvent
        fields = ["id", "kind", "enterprise", "enterprise_name", "actor", "actor_name", "detail", "created_at"]


class ApplyOutput(serializers.Serializer):  # type: ignore[type-arg]
    ticket = serializers.IntegerField()
    number = serializers.CharField()


class ProfileOutput(serializers.ModelSerializer[EnterpriseProfile]):
    qualifications = serializers.ListField(
        source="qualification_list", child=serializers.ChoiceField(choices=Qualification.choices), read_only=True
    )

    class Meta:
        model = EnterpriseProfile
        fields = ["enterprise", "industry_code", "size_class", "qualifications", "registered_on", "updated_at"]


class ProfileInput(serializers.Serializer):  # type: ignore[type-arg]
    industry_code = Text(max_length=5, required=False, allow_blank=True)
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False, allow_blank=True)
    qualifications = serializers.ListField(
        child=serializers.ChoiceField(choices=Qualification.choices), required=False, max_length=20
    )
    registered_on = serializers.DateField(required=False, allow_null=True)


class ProfileChangeOutput(serializers.ModelSerializer[EnterpriseProfileChange]):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)

    class Meta:
        model = EnterpriseProfileChange
        fields = ["field", "old", "new", "actor", "actor_name", "created_at"]


@extend_schema(parameters=[OpenApiParameter("status", str, enum=[s.value for s in PolicyStatus])])
class PolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """惠企政策: published policies for everyone signed in (an enterprise: its park's and the
    zone's); drafts for their park's and the zone's managers, who write and publish them.
    Publishing matches the policy to the enterprises that qualify and tells them."""

    queryset = Policy.objects.none()
    serializer_class = PolicyOutput
    parser_classes = API_PARSERS
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Policy]:
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        qs = services.policy_list_for(actor_of(self.request))
        wanted = self.request.query_params.get("status")
        if self.action == "list" and wanted in PolicyStatus.values:
            qs = qs.filter(status=wanted)
        return qs.order_by("-effective_from", "-id")

    def get_object(self) -> Policy:
        self.kwargs["pk"] = str(_pk(self.kwargs.get("pk"), _("No such policy.")))
        obj: Policy = super().get_object()
        return obj

    @extend_schema(
        request=PolicyInput,
        responses={201: PolicyOutput, 400: OpenApiResponse(description="Invalid"), 403: OpenApiResponse()},
    )
    def create(self, request: Request) -> Response:
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_create(actor=actor_of(request), **data.validated_data)
        return Response(PolicyOutput(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PolicyUpdateInput,
        responses={200: PolicyOutput, 403: OpenApiResponse(), 409: OpenApiResponse(description="Archived")},
        summary="Change a draft or a published policy; new eligibility re-matches (adds, never un-tells)",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = PolicyUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy_id = _pk(pk, _("No such policy."))
        policy = services.policy_update(actor=actor_of(request), policy_id=policy_id, **data.validated_data)
        return Response(PolicyOutput(policy).data)

    @extend_schema(
        request=None,
        responses={200: PolicyOutput, 409: OpenApiResponse(description="Not a draft")},
        summary="Publish: match the qualifying enterprises and tell them and their officers",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        policy = services.policy_publish(actor=actor_of(request), policy_id=_pk(pk, _("No such policy.")))
        return Response(PolicyOutput(policy).data)

    @extend_schema(request=None, responses={200: PolicyOutput, 409: OpenApiResponse(description="Archived already")})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        policy = services.policy_archive(actor=actor_of(request), policy_id=_pk(pk, _("No such policy.")))
        return Response(PolicyOutput(policy).data)

    @extend_schema(
        responses={200: PolicyMatchOutput(many=True), 403: OpenApiResponse()},
        summary="The enterprises in your scope that qualify or applied: notified, applied, granted",
    )
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        user = actor_of(request)
        if not services.is_staff(user):
            raise Forbidden(_("Only officers and managers see who qualifies."))
        page = self.paginate_queryset(services.match_list_for(user, policy))
        return self.get_paginated_response(PolicyMatchOutput(page, many=True).data)

    @extend_schema(
        request=OutcomeInput,
        responses={
            200: PolicyMatchOutput,
            400: OpenApiResponse(description="Invalid"),
            403: OpenApiResponse(),
            404: OpenApiResponse(),
            409: OpenApiResponse(description="Not applied"),
        },
        summary="Record an application's outcome: granted or not, the day, a remark (audited)",
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.policy_outcome_record(
            actor=actor_of(request),
            policy_id=_pk(pk, _("No such policy.")),
            enterprise_id=data.validated_data["enterprise"],
            outcome=data.validated_data["outcome"],
            decided_on=data.validated_data["decided_on"],
            remark=data.validated_data["remark"],
        )
        return Response(PolicyMatchOutput(match).data)

    @extend_schema(
        responses={200: PolicyEventOutput(many=True), 403: OpenApiResponse(), 404: OpenApiResponse()},
        summary="The policy's history: edits, publishing, re-matching, outcomes (staff)",
    )
    @action(detail=True, methods=["get"], serializer_class=PolicyEventOutput)
    def events(self, request: Request, pk: str) -> Response:
        rows = services.policy_events_for(actor_of(request), _pk(pk, _("No such policy.")))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PolicyEventOutput(page, many=True).data)

    @extend_schema(
        request=ApplyInput,
        responses={201: ApplyOutput, 404: OpenApiResponse(), 409: OpenApiResponse(description="Closed or applied")},
        summary="Apply: a ticket on the policy's service item, prefilled and linked to the policy",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        data = ApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.policy_apply(
            actor=actor_of(request),
            policy_id=_pk(pk, _("No such policy.")),
            enterprise=data.validated_data.get("enterprise"),
            note=data.validated_data["note"],
        )
        return Response({"ticket": ticket.pk, "number": ticket.number}, status=status.HTTP_201_CREATED)


class EnterprisePolicyViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """An enterprise's policies (those it qualifies for or applied to) and its attributes."""

    queryset = Enterprise.objects.none()
    parser_classes = API_PARSERS
    filter_backends: list[Any] = []
    serializer_class = EnterprisePolicyOutput

    @extend_schema(responses={200: EnterprisePolicyOutput(many=True), 404: OpenApiResponse()})
    @action(detail=True, methods=["get"])
    def policies(self, request: Request, pk: str) -> Response:
        enterprise_id = _pk(pk, _("No such enterprise."))
        rows = services.enterprise_policies_for(actor_of(request), enterprise_id)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EnterprisePolicyOutput(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: ProfileOutput, 404: OpenApiResponse()},
        summary="The attributes policies read: industry code, size class, qualifications, registration date",
    )
    @extend_schema(
        methods=["PATCH"],
        request=ProfileInput,
        responses={200: ProfileOutput, 400: OpenApiResponse(), 403: OpenApiResponse(), 404: OpenApiResponse()},
        summary="Change the attributes (its officers, managers, its own administrator; every change audited)",
    )
    @action(detail=True, methods=["get", "patch"], serializer_class=ProfileOutput)
    def profile(self, request: Request, pk: str) -> Response:
        enterprise_id = _pk(pk, _("No such enterprise."))
        user = actor_of(request)
        if request.method == "PATCH":
            data = ProfileInput(data=request.data)
            data.is_valid(raise_exception=True)
            profile = services.profile_update(actor=user, enterprise_id=enterprise_id, **data.validated_data)
        else:
            profile = services.profile_get_for(user, enterprise_id)
        return Response(ProfileOutput(profile).data)

    @extend_schema(responses={200: ProfileChangeOutput(many=True), 404: OpenApiResponse()})
    @action(detail=True, methods=["get"], url_path="profile/changes", serializer_class=ProfileChangeOutput)
    def profile_changes(self, request: Request, pk: str) -> Response:
        rows = services.profile_changes_for(actor_of(request), _pk(pk, _("No such enterprise.")))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ProfileChangeOutput(page, many=True).data)
