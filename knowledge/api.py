"""The knowledge base's API: `/api/v1/articles/`. Views parse, call one service or selector
(knowledge.articles), and render."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.actor import actor_of
from servicedesk.api.ids import BIGINT_MAX, path_id
from servicedesk.api.parsers import API_PARSERS
from servicedesk.errors import Forbidden
from servicedesk.models import Department, Park, ServiceItem

from . import articles
from .downloads import attachment_response
from .models import Article, ArticleAttachment, ArticleStatus, ArticleVersion


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


class ArticleInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200)
    body = Text(max_length=50000)
    title_en = Text(max_length=200, required=False, allow_blank=True, default="")
    body_en = Text(max_length=50000, required=False, allow_blank=True, default="")
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all(), required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    park = serializers.PrimaryKeyRelatedField(queryset=Park.objects.all(), required=False, allow_null=True)


class ArticleUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200, required=False)
    body = Text(max_length=50000, required=False)
    title_en = Text(max_length=200, required=False, allow_blank=True)
    body_en = Text(max_length=50000, required=False, allow_blank=True)
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all(), required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)


class ArticleAttachmentOutput(serializers.ModelSerializer[ArticleAttachment]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ArticleAttachment
        fields = ["id", "original_name", "content_type", "size", "created_at", "download_url"]

    def get_download_url(self, attachment: ArticleAttachment) -> str:
        return f"/api/v1/articles/{attachment.article_id}/attachments/{attachment.pk}/"


class ArticleOutput(serializers.ModelSerializer[Article]):
    service_item = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    service_item_name = serializers.CharField(source="service_item.name", read_only=True, default=None, allow_null=True)
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    url = serializers.SerializerMethodField()
    attachments = ArticleAttachmentOutput(many=True, read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "title_en",
            "body_en",
            "status",
            "version",
            "park",
            "department",
            "service_item",
            "service_item_name",
            "source_ticket",
            "author",
            "author_name",
            "created_at",
            "updated_at",
            "published_at",
            "url",
            "attachments",
        ]

    def get_url(self, article: Article) -> str:
        return f"/guides/{article.pk}/"


class ArticleSummaryOutput(serializers.ModelSerializer[Article]):
    service_item = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "title", "title_en", "status", "service_item", "park", "department", "updated_at", "url"]

    def get_url(self, article: Article) -> str:
        return f"/guides/{article.pk}/"


class ArticleVersionOutput(serializers.ModelSerializer[ArticleVersion]):
    editor_name = serializers.CharField(source="editor.__str__", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "title_en", "body_en", "note", "editor", "editor_name", "created_at"]


class SuggestInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200, allow_blank=True)
    description = Text(max_length=20000, required=False, allow_blank=True, default="")


class SuggestOutput(serializers.Serializer):  # type: ignore[type-arg]
    suggestions = ArticleSummaryOutput(many=True)


class SolvedInput(serializers.Serializer):  # type: ignore[type-arg]
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all(), required=False, allow_null=True)


class RestoreInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class FromTicketInput(serializers.Serializer):  # type: ignore[type-arg]
    ticket = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)


class ArticleAttachmentInput(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(allow_empty_file=True, max_length=200)


def _pk(raw: object) -> int:
    return path_id(raw, _("No such article."))


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="search words (Chinese is cut into words)"),
        OpenApiParameter("status", str, enum=[s.value for s in ArticleStatus]),
        OpenApiParameter("service_item", str, description="service item code"),
    ]
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """办事指南 / FAQ: published articles for everyone signed in (an enterprise: its park's
    and the zone's); drafts and archived ones in their writers' scope. Officers and managers
    write, publish, archive and restore versions; enterprises mark an article as the answer."""

    queryset = Article.objects.none()
    serializer_class = ArticleOutput
    parser_classes = API_PARSERS
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Article]:
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        user = actor_of(self.request)
        params = self.request.query_params
        query = str(params.get("q", ""))[:200].replace("\x00", "")
        qs = articles.article_search(user, query) if query.strip() else articles.article_list_for(user)
        if self.action == "list":
            if params.get("status") in ArticleStatus.values:
                qs = qs.filter(status=params["status"])
            code = str(params.get("service_item", ""))[:100].replace("\x00", "")
            if code:
                qs = qs.filter(service_item__code=code)
            if not query.strip():
                qs = qs.order_by("-updated_at", "-id")
            return qs
        return qs.prefetch_related("attachments")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:  # type: ignore[type-arg]
        return ArticleSummaryOutput if self.action == "list" else ArticleOutput

    def get_object(self) -> Article:
        self.kwargs["pk"] = str(_pk(self.kwargs.get("pk")))
        obj: Article = super().get_object()
        return obj

    def _detail(self, article_id: int) -> Response:
        article = articles.article_list_for(actor_of(self.request)).prefetch_related("attachments").get(pk=article_id)
        return Response(ArticleOutput(article).data)

    @extend_schema(
        request=ArticleInput,
        responses={201: ArticleOutput, 400: OpenApiResponse(description="Invalid"), 403: OpenApiResponse()},
    )
    def create(self, request: Request) -> Response:
        data = ArticleInput(data=request.data)
        data.is_valid(raise_exception=True)
        article = articles.article_create(actor=actor_of(request), **data.validated_data)
        response = self._detail(article.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=ArticleUpdateInput, responses={200: ArticleOutput, 403: OpenApiResponse()})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = ArticleUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        article = articles.article_update(actor=actor_of(request), article_id=_pk(pk), **data.validated_data)
        return self._detail(article.pk)

    def _move(self, request: Request, pk: str, move: str) -> Response:
        article = articles.article_transition(actor=actor_of(request), article_id=_pk(pk), action=move)
        return self._detail(article.pk)

    @extend_schema(request=None, responses={200: ArticleOutput, 409: OpenApiResponse(description="Not now")})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, "publish")

    @extend_schema(request=None, responses={200: ArticleOutput, 409: OpenApiResponse(description="Not now")})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, "archive")

    @extend_schema(request=None, responses={200: ArticleOutput, 409: OpenApiResponse(description="Not now")})
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, "unpublish")

    @extend_schema(responses={200: ArticleVersionOutput(many=True)}, summary="The article's versions, newest first")
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        if not articles.may_edit(actor_of(request), article):
            raise Forbidden(_("Only the article's writers read its history."))
        rows = article.versions.select_related("editor").order_by("-number")
        return Response(ArticleVersionOutput(rows, many=True).data)

    @extend_schema(request=RestoreInput, responses={200: ArticleOutput, 404: OpenApiResponse()})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        data = RestoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        article = articles.article_restore(
            actor=actor_of(request), article_id=_pk(pk), number=data.validated_data["version"]
        )
        return self._detail(article.pk)

    @extend_schema(
        request=SuggestInput,
        responses={200: SuggestOutput},
        summary="Published articles that match a draft ticket, best first",
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def suggest(self, request: Request) -> Response:
        data = SuggestInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = articles.article_suggest(actor_of(request), **data.validated_data)
        return Response({"suggestions": ArticleSummaryOutput(found, many=True).data})

    @extend_schema(
        request=SolvedInput,
        responses={200: OpenApiResponse(description='{"counted": true|false}'), 403: OpenApiResponse()},
        summary="This article solved my problem: no ticket filed, a deflection counted",
    )
    @action(detail=True, methods=["post"])
    def solved(self, request: Request, pk: str) -> Response:
        data = SolvedInput(data=request.data)
        data.is_valid(raise_exception=True)
        counted = articles.deflection_record(
            actor=actor_of(request), article_id=_pk(pk), service_item=data.validated_data.get("service_item")
        )
        return Response({"counted": counted})

    @extend_schema(
        request=FromTicketInput,
        responses={201: ArticleOutput, 404: OpenApiResponse(), 409: OpenApiResponse(description="Not resolved")},
        summary="A draft article from a resolved ticket's answer (the enterprise's details left out)",
    )
    @action(detail=False, methods=["post"], url_path="from-ticket")
    def from_ticket(self, request: Request) -> Response:
        data = FromTicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        article = articles.article_from_ticket(actor=actor_of(request), ticket_id=data.validated_data["ticket"])
        response = self._detail(article.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request={"multipart/form-data": ArticleAttachmentInput},
        responses={201: ArticleAttachmentOutput, 400: OpenApiResponse(), 413: OpenApiResponse()},
        summary="Attach a file (the limits of ticket attachments)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], pagination_class=None)
    def attachments(self, request: Request, pk: str) -> Response:
        data = ArticleAttachmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = articles.article_attachment_add(
            actor=actor_of(request), article_id=_pk(pk), upload=data.validated_data["file"]
        )
        return Response(ArticleAttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, 404: OpenApiResponse()}, summary="Download a file")
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})", pagination_class=None)
    def attachment(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        article = self.get_object()
        return attachment_response(article, int(attachment_id))
