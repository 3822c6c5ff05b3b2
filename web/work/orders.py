"""督办, 延期 and 协办 in the workspace: supervision orders and their written answers,
extension requests and the managers' decisions, assist requests and the asked department's
answers. Every list is scoped by `ticket_list_for` (404 outside it); every change is one
service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from servicedesk.errors import Conflict, DomainError, Forbidden, NotFound
from servicedesk.models import User
from tickets import selectors, services
from tickets.models import AssistRequest, ExtensionRequest, SupervisionOrder
from tickets.sla import escalation

from .common import actor, errors_to_form, is_manager, page_of, staff_required
from .forms import AnswerForm, DecisionForm


def _visible_tickets(user: User) -> QuerySet[Any]:
    return selectors.ticket_list_for(user).values("pk")


def _refused(request: HttpRequest, error: DomainError, form: Any) -> int:
    """How a refused change shows: field errors (400), a message (409), or 403 / 404."""
    if isinstance(error, NotFound):
        raise Http404
    if isinstance(error, Forbidden):
        raise PermissionDenied
    if isinstance(error, Conflict):
        messages.error(request, error.message)
        return 409
    errors_to_form(form, error)
    return 400


def _answer_page(
    request: HttpRequest,
    form: AnswerForm,
    answer: Callable[[str], object],
    *,
    done: str,
    back_to: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponseBase:
    """The answer form of a supervision order or an assist request: on a valid POST call
    `answer(text)` (the service), then say `done` and go back to the list; a refusal shows as
    `_refused` says. A GET, or a POST with field errors, renders the page."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                answer(form.cleaned_data["answer"])
            except DomainError as error:
                status = _refused(request, error, form)
            else:
                messages.success(request, done)
                return redirect(back_to)
    return render(request, template, {**context, "form": form}, status=status)


# --- supervision orders (督办) ---------------------------------------------------------------


def supervision_list_for(user: User) -> QuerySet[SupervisionOrder]:
    """Orders on tickets in scope; an officer sees those they answer for (addressed to them,
    or on a ticket they handle or own), a manager every one in scope. Open first."""
    rows = SupervisionOrder.objects.filter(ticket__in=_visible_tickets(user)).select_related(
        "ticket", "ticket__enterprise", "addressed_to", "issued_by", "answered_by"
    )
    if not is_manager(user):
        rows = rows.filter(Q(addressed_to=user) | Q(ticket__assignee=user) | Q(ticket__owner=user))
    return rows.order_by(F("answered_at").desc(nulls_first=True), "answer_due_at", "-id")


@require_GET
@staff_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, supervision_list_for(actor(request)))
    return render(request, "web/work/supervision.html", {"page_obj": page, "orders": page.object_list})


@require_http_methods(["GET", "POST"])
@staff_required
def supervision_detail(request: HttpRequest, order_id: int) -> HttpResponseBase:
    user = actor(request)
    order = supervision_list_for(user).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return _answer_page(
        request,
        AnswerForm(request.POST or None),
        lambda text: escalation.supervision_answer(order_id=order.pk, actor=user, answer=text),
        done=_("Your answer to the supervision order is recorded."),
        back_to="work-supervision",
        template="web/work/supervision_detail.html",
        context={"order": order, "can_answer": order.answered_at is None and user.role == User.Role.OFFICER},
    )


# --- extension requests (延期) ----------------------------------------------------------------


def extension_list_for(user: User, *, pending_only: bool) -> QuerySet[ExtensionRequest]:
    """Managers: the requests on tickets in scope; officers: their own requests."""
    rows = ExtensionRequest.objects.filter(ticket__in=_visible_tickets(user)).select_related(
        "ticket", "ticket__enterprise", "requested_by", "decided_by"
    )
    if not is_manager(user):
        rows = rows.filter(requested_by=user)
    if pending_only:
        rows = rows.filter(status=ExtensionRequest.Status.PENDING)
    return rows.order_by("-created_at", "-id")


@require_GET
@staff_required
def extension_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    # managers start from what waits for their decision, officers from all their requests
    show = request.GET.get("show") or ("pending" if is_manager(user) else "all")
    pending_only = show != "all"
    page = page_of(request, extension_list_for(user, pending_only=pending_only))
    context = {"page_obj": page, "extensions": page.object_list, "pending_only": pending_only}
    return render(request, "web/work/extensions.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def extension_detail(request: HttpRequest, extension_id: int) -> HttpResponseBase:
    user = actor(request)
    extension = extension_list_for(user, pending_only=False).filter(pk=extension_id).first()
    if extension is None:
        raise Http404
    can_decide = is_manager(user) and extension.status == ExtensionRequest.Status.PENDING
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_manager(user):
            raise PermissionDenied
        status = 400
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            decide = services.extension_approve if approve else services.extension_reject
            try:
                decide(extension_id=extension.pk, actor=user, reason=form.cleaned_data.get("reason") or "")
            except DomainError as error:
                status = _refused(request, error, form)
            else:
                if approve:
                    messages.success(request, _("Extension approved; the new deadline applies."))
                else:
                    messages.success(request, _("Extension rejected."))
                return redirect("work-extensions")
    context = {"extension": extension, "form": form, "can_decide": can_decide}
    return render(request, "web/work/extension_detail.html", context, status=status)


# --- assist requests (协办) ----------------------------------------------------------------------


def assist_list_for(user: User) -> QuerySet[AssistRequest]:
    """Requests to the user's department on tickets in scope (a park or zone manager without a
    department: every one in scope). Unanswered first, the earliest due first."""
    rows = AssistRequest.objects.filter(ticket__in=_visible_tickets(user)).select_related(
        "ticket", "ticket__enterprise", "department", "requested_by", "answered_by"
    )
    if user.department_id:
        rows = rows.filter(department_id=user.department_id)
    elif not is_manager(user):
        return rows.none()
    return rows.order_by(F("answered_at").desc(nulls_first=True), "due_at", "-id")


@require_GET
@staff_required
def assist_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, assist_list_for(actor(request)))
    return render(request, "web/work/assists.html", {"page_obj": page, "assists": page.object_list})


@require_http_methods(["GET", "POST"])
@staff_required
def assist_detail(request: HttpRequest, assist_id: int) -> HttpResponseBase:
    user = actor(request)
    assist = assist_list_for(user).filter(pk=assist_id).first()
    if assist is None:
        raise Http404
    return _answer_page(
        request,
        AnswerForm(request.POST or None),
        lambda text: services.assist_answer(assist_id=assist.pk, actor=user, answer=text),
        done=_("Your department's answer is recorded."),
        back_to="work-assists",
        template="web/work/assist_detail.html",
        context={
            "assist": assist,
            "can_answer": assist.answered_at is None and user.department_id == assist.department_id,
        },
    )
