"""The knowledge base's pages (办事指南): the list with its search, one article at its public
address (/guides/<id>/), writing and changing articles for officers and managers, the
suggestions beside the filing form (htmx) and "this solved my problem"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge import articles
from knowledge.downloads import attachment_response
from knowledge.models import Article, ArticleStatus
from servicedesk.errors import Conflict, DomainError, Forbidden, NotFound
from servicedesk.models import ServiceItem, User

from ..work.common import actor, errors_to_form, page_of
from .forms import ArticleForm, AttachmentForm


def _article(user: User, article_id: int) -> Article:
    try:
        return articles.article_get_for(user, article_id)
    except NotFound:
        raise Http404 from None


def _writer(user: User) -> None:
    if not articles.is_writer(user):
        raise PermissionDenied(_("Only officers and managers write articles."))


@require_GET
@login_required
def guide_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    query = request.GET.get("q", "")[:200].replace("\x00", "").strip()
    rows = articles.article_search(user, query) if query else articles.article_list_for(user)
    status = request.GET.get("status", "")
    if status in ArticleStatus.values and articles.is_writer(user):
        rows = rows.filter(status=status)
    if not query:
        rows = rows.order_by("-updated_at", "-id")
    page = page_of(request, rows)
    context = {
        "page_obj": page,
        "articles": page.object_list,
        "q": query,
        "status": status,
        "statuses": ArticleStatus.choices,
        "writer": articles.is_writer(user),
    }
    return render(request, "knowledge/guide_list.html", context)


@require_GET
@login_required
def guide_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    user = actor(request)
    article = _article(user, article_id)
    editable = articles.may_edit(user, article)
    context: dict[str, Any] = {
        "article": article,
        "attachments": list(article.attachments.all()),
        "editable": editable,
        "moves": [move for move in articles.ACTIONS if (article.status, move) in articles.MOVES] if editable else [],
        "versions": list(article.versions.select_related("editor").order_by("-number")[:50]) if editable else [],
        "can_mark_solved": user.role == User.Role.ENTERPRISE and article.status == ArticleStatus.PUBLISHED,
        "attachment_form": AttachmentForm() if editable else None,
        "service_item": request.GET.get("service_item", "")[:40],
    }
    return render(request, "knowledge/guide_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def guide_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponseBase:
    user = actor(request)
    _writer(user)
    article = _article(user, article_id) if article_id else None
    if article is not None and not articles.may_edit(user, article):
        raise PermissionDenied(_("You may not change this article."))
    initial = (
        {
            "title": article.title,
            "body": article.body,
            "title_en": article.title_en,
            "body_en": article.body_en,
            "service_item": article.service_item_id,
        }
        if article
        else {}
    )
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if article is None:
                    article = articles.article_create(actor=user, **form.cleaned_data)
                    messages.success(request, _("Draft saved."))
                else:
                    articles.article_update(actor=user, article_id=article.pk, **form.cleaned_data)
                    messages.success(request, _("Article saved."))
                return redirect("guide-detail", article_id=article.pk)
            except DomainError as error:
                errors_to_form(form, error)
                status = error.status_code
        else:
            status = 400
    return render(request, "knowledge/guide_edit.html", {"form": form, "article": article}, status=status)


@require_POST
@login_required
def guide_action(request: HttpRequest, article_id: int, action: str) -> HttpResponseBase:
    """publish / archive / unpublish / restore / attach; a refusal is a message, not a change."""
    user = actor(request)
    _writer(user)
    try:
        if action in articles.ACTIONS:
            articles.article_transition(actor=user, article_id=article_id, action=action)
            messages.success(request, _("Done."))
        elif action == "restore":
            number = request.POST.get("version", "")
            if not (number.isascii() and number.isdigit()) or len(number) > 9:
                raise Http404
            articles.article_restore(actor=user, article_id=article_id, number=int(number))
            messages.success(request, _("Version %(n)s restored.") % {"n": number})
        elif action == "attach":
            form = AttachmentForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("Choose a file."))
            else:
                articles.article_attachment_add(actor=user, article_id=article_id, upload=form.cleaned_data["file"])
                messages.success(request, _("File attached."))
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except (Conflict, Forbidden, DomainError) as error:
        messages.error(request, error.message)
    return redirect("guide-detail", article_id=article_id)


@require_POST
@login_required
def guide_from_ticket(request: HttpRequest, ticket_id: int) -> HttpResponseBase:
    user = actor(request)
    _writer(user)
    try:
        article = articles.article_from_ticket(actor=user, ticket_id=ticket_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.POST.get("next") or "guides")  # type: ignore[arg-type]
    messages.success(request, _("A draft article was made from the ticket's answer; check it before publishing."))
    return redirect("guide-detail", article_id=article.pk)


@require_GET
@login_required
def guide_file(request: HttpRequest, article_id: int, attachment_id: int) -> HttpResponseBase:
    article = _article(actor(request), article_id)
    try:
        return attachment_response(article, attachment_id)
    except NotFound:
        raise Http404 from None


@require_POST
@login_required
def guide_solved(request: HttpRequest, article_id: int) -> HttpResponseBase:
    """An enterprise user: this article answered my question; no ticket is filed."""
    user = actor(request)
    code = request.POST.get("service_item", "")[:40].replace("\x00", "")
    item = ServiceItem.objects.filter(code=code).first() if code else None
    try:
        articles.deflection_record(actor=user, article_id=article_id, service_item=item)
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("Glad it helped: no ticket was filed. You can file one at any time."))
    return redirect("portal-home")


@require_http_methods(["GET", "POST"])
@login_required
def guide_suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the published articles that best match what is typed into the filing form."""
    user = actor(request)
    data = request.POST if request.method == "POST" else request.GET
    title = str(data.get("title", ""))[:200]
    description = str(data.get("description", ""))[:2000]
    found = []
    if (title + description).strip():
        found = articles.article_suggest(user, title=title, description=description)
    code = str(data.get("service_item", ""))[:40].replace("\x00", "")
    item = ServiceItem.objects.filter(code=code).first() if code else None
    context = {"suggestions": found, "service_item": item.code if item else ""}
    return render(request, "knowledge/_suggestions.html", context)
