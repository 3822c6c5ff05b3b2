"""The inbox API: a user's own inbox rows, read marks, the unread count and preferences."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.models import User
from servicedesk.selectors import is_admin

from . import preferences as user_preferences
from . import services
from .channels import DeliveryError
from .channels.robot import mask
from .channels.safeurl import validate_public_url
from .models import GroupRobot, Notification, NotificationChannel


class _TicketOf(serializers.IntegerField):
    """The ticket's id when the notification is about a ticket, else null: the API's `ticket`
    field from before the outbox named its topics ("ticket" is the type tickets.notify writes)."""

    def get_attribute(self, instance: Notification) -> int | None:
        return instance.topic_id if instance.topic_type == "ticket" else None


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """`subject` and `body` are the sentence of the row's kind in the request's language."""

    ticket = _TicketOf(read_only=True, allow_null=True)
    read = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "event_kind",
            "ticket",
            "subject",
            "body",
            "language",
            "urgent",
            "created_at",
            "read_at",
            "read",
        ]
        read_only_fields = fields

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    def get_subject(self, obj: Notification) -> str:
        return obj.sentence.subject

    def get_body(self, obj: Notification) -> str:
        return obj.sentence.body


class PreferenceSerializer(serializers.Serializer[Any]):
    event_kind = serializers.CharField(max_length=30)
    channel = serializers.ChoiceField(choices=[NotificationChannel.EMAIL, NotificationChannel.SMS])
    enabled = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer[Any]):
    quiet_start = serializers.TimeField(required=False)
    quiet_end = serializers.TimeField(required=False)
    daily_digest = serializers.BooleanField(required=False)
    preferences = PreferenceSerializer(many=True, required=False)


class PreferencesOutput(PreferencesSerializer):
    """What GET and PUT answer: the quiet hours as HH:MM, the form they are written in."""

    quiet_start = serializers.RegexField(r"^\d{2}:\d{2}$")  # type: ignore[assignment]
    quiet_end = serializers.RegexField(r"^\d{2}:\d{2}$")  # type: ignore[assignment]
    daily_digest = serializers.BooleanField()


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    serializer_class = NotificationSerializer
    # the sentence, the ticket and the read flag are computed: only real columns sort
    ordering_fields = ["created_at", "read_at", "id"]

    def get_queryset(self) -> QuerySet[Notification]:
        rows = Notification.objects.filter(recipient_id=self.request.user.pk, channel=NotificationChannel.INBOX)
        if self.action == "list" and self.request.query_params.get("unread", "").lower() in {"1", "true", "yes"}:
            rows = rows.filter(read_at__isnull=True)
        return rows.order_by("-created_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread rows")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        try:
            row = services.notification_mark_read(notification_id=int(pk or ""), user=request.user)  # type: ignore[arg-type]
        except (ValueError, Notification.DoesNotExist) as exc:
            raise NotFound(_("No such notification.")) from exc
        return Response(NotificationSerializer(row).data)

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        count = Notification.objects.filter(
            recipient_id=request.user.pk, channel=NotificationChannel.INBOX, read_at__isnull=True
        ).count()
        return Response({"unread": count})

    @extend_schema(request=PreferencesSerializer, responses=PreferencesOutput)
    @action(detail=False, methods=["get", "put"], serializer_class=PreferencesSerializer)
    def preferences(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if request.method == "PUT":
            serializer = PreferencesSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            user_preferences.save_preferences(
                user,
                quiet_start=data.get("quiet_start"),
                quiet_end=data.get("quiet_end"),
                daily_digest=data.get("daily_digest"),
                choices=data.get("preferences", []),
            )
        return Response(user_preferences.preferences_of(user))


# --- group robots (administrators) --------------------------------------------------------


class IsDeskAdmin(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user)


class GroupRobotSerializer(serializers.ModelSerializer[GroupRobot]):
    """`url` (it carries the robot's key) and `secret` are write-only: what is read back is
    `url_masked` and whether a secret is set."""

    url = serializers.URLField(max_length=500, write_only=True, required=False, validators=[validate_public_url])
    secret = serializers.CharField(max_length=200, write_only=True, required=False, allow_blank=True)
    url_masked = serializers.SerializerMethodField()
    secret_set = serializers.SerializerMethodField()

    class Meta:
        model = GroupRobot
        fields = [
            "id",
            "name",
            "kind",
            "park",
            "department",
            "url",
            "secret",
            "url_masked",
            "secret_set",
            "language",
            "quiet_start",
            "quiet_end",
            "active",
        ]

    def get_url_masked(self, robot: GroupRobot) -> str:
        return mask(robot.url)

    def get_secret_set(self, robot: GroupRobot) -> bool:
        return bool(robot.secret)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance if self.partial else None  # PUT replaces: what is not given is empty
        park = attrs["park"] if "park" in attrs else getattr(instance, "park", None)
        department = attrs["department"] if "department" in attrs else getattr(instance, "department", None)
        if not self.partial:
            attrs.setdefault("park", None)
            attrs.setdefault("department", None)
        instance = self.instance
        if (park is None) == (department is None):
            raise serializers.ValidationError({"park": _("Name either a park or a department, not both.")})
        if instance is None and not attrs.get("url"):
            raise serializers.ValidationError({"url": _("This field is required.")})
        return attrs


class GroupRobotViewSet(viewsets.ModelViewSet[GroupRobot]):
    """The chat groups' robots (企业微信, 钉钉, 飞书) of parks and departments."""

    serializer_class = GroupRobotSerializer
    permission_classes = [IsAuthenticated, IsDeskAdmin]
    queryset = GroupRobot.objects.order_by("pk")
    filterset_fields = ["kind", "park", "department", "active"]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RobotTest", {"sent": serializers.BooleanField(), "detail": serializers.CharField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a test message now; `sent` false and the robot's answer in `detail` when it fails."""
        robot = self.get_object()
        try:
            services.robot_test_send(robot=robot)
        except DeliveryError as exc:
            return Response({"sent": False, "detail": str(exc)})
        return Response({"sent": True, "detail": ""})
