"""走访: the visit log, logging a visit (problems become tickets in the same step, photos
attached), one visit with the tickets it produced, and the 惠企日 coverage for managers."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from servicedesk import clock
from servicedesk.errors import DomainError, Invalid, NotFound
from servicedesk.files import atomic_deleting_files
from servicedesk.models import User
from servicedesk.selectors import is_admin
from visits import services as visits

from .common import View, actor, errors_to_form, is_manager, page_of, staff_required
from .forms import MAX_PROBLEMS, ProblemFormSet, VisitForm


def hidden_from_enterprises(view: View) -> View:
    """The visit log is the officers' and managers': for an enterprise user its pages do not
    exist (404, as in the API), rather than a 403 that says they do."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and user.role == User.Role.ENTERPRISE and not is_admin(user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _this_week() -> str:
    year, week, _day = clock.today_local().isocalendar()
    return f"{year}-W{week:02d}"


def _coverage(request: HttpRequest, user: User) -> dict[str, Any]:
    """The week's coverage per officer in the manager's scope, one page of officers."""
    week = request.GET.get("week") or _this_week()
    try:
        period = visits.week_period(week)
    except Invalid:
        week = _this_week()
        period = visits.week_period(week)
    officers = visits.officers_for_coverage(user).order_by("id")
    page = page_of(request, officers.values_list("pk", flat=True), param="cpage")
    rows = visits.visit_coverage(officers=User.objects.filter(pk__in=list(page.object_list)), period=period)
    return {"coverage": rows, "coverage_page": page, "week": week, "period": period}


@require_GET
@hidden_from_enterprises
@staff_required
def visit_log(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    page = page_of(request, visits.visit_list_for(user).order_by("-visited_at", "-id"))
    context: dict[str, Any] = {"page_obj": page, "visits": page.object_list}
    if is_manager(user):
        context.update(_coverage(request, user))
    return render(request, "web/work/visits.html", context)


@require_http_methods(["GET", "POST"])
@hidden_from_enterprises
@staff_required
def visit_new(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, user=user)
        problems = ProblemFormSet(request.POST, prefix="problems")
        if form.is_valid() and problems.is_valid():
            try:
                visit = _create(user, form.cleaned_data, problems)
            except DomainError as error:  # Invalid or NotFound: next to the fields, nothing written
                _place(error, form, problems)
            else:
                created = sum(1 for problem in visit.problems.all() if problem.ticket_id)
                text = ngettext("Visit logged; %(n)d ticket filed.", "Visit logged; %(n)d tickets filed.", created)
                messages.success(request, text % {"n": created})
                return redirect("work-visit-detail", visit.pk)
        status = 400
    else:
        form = VisitForm(user=user, initial={"visited_at": clock.now()})
        problems = ProblemFormSet(prefix="problems")
        status = 200
    context = {"form": form, "problems": problems, "max_problems": MAX_PROBLEMS}
    return render(request, "web/work/visit_new.html", context, status=status)


def _create(user: User, data: dict[str, Any], problems: Any) -> Any:
    """The visit, its tickets and its photos in one transaction: a photo refused by the
    service rolls the visit and its tickets back."""
    inputs = [
        visits.ProblemInput(
            description=row["description"],
            to_ticket=bool(row.get("to_ticket")),
            service_item=row.get("service_item"),
            kind=row.get("kind") or "help",
            priority=row.get("priority") or "normal",
        )
        for row in problems.cleaned_data
        if row and row.get("description")
    ]
    with atomic_deleting_files():  # the visit and its photos, all or nothing, files too
        visit = visits.visit_create(
            actor=user,
            enterprise=data["enterprise"],
            visited_at=data["visited_at"],
            summary=data["summary"],
            method=data["method"],
            people_met=data.get("people_met") or "",
            problems=inputs,
        )
        for upload in data.get("photos") or []:
            try:
                visits.visit_photo_add(visit_id=visit.pk, actor=user, upload=upload)
            except DomainError as error:
                # Translators: a file's name and why it was refused
                refusal = _("%(name)s: %(error)s") % {"name": upload.name, "error": error.message}
                raise Invalid(error.message, detail={"photos": [refusal]}) from None
    return visit


def _place(error: DomainError, form: VisitForm, problems: Any) -> None:
    """The service's field errors next to the fields; a problem's next to its row."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    rows = detail.pop("problems", None) if detail else None
    if isinstance(rows, dict):
        filled = [f for f in problems.forms if f.cleaned_data and f.cleaned_data.get("description")]
        for index, messages_ in rows.items():
            if isinstance(index, int) and index < len(filled):
                target = filled[index]
                if isinstance(messages_, dict):
                    for field, texts in messages_.items():
                        for text in texts:
                            target.add_error(field if field in target.fields else None, str(text))
                else:
                    for text in messages_:
                        target.add_error("description", str(text))
        if not detail:
            return
    if isinstance(error, NotFound):
        form.add_error("enterprise", _("Choose one of your enterprises."))
        return
    errors_to_form(form, error)


@require_GET
@hidden_from_enterprises
@staff_required
def visit_problem_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty problem row, and the formset's TOTAL_FORMS and the "add" button
    swapped out of band with the next index."""
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        index = -1
    if not 0 <= index < MAX_PROBLEMS:
        return HttpResponse(status=400)
    problems = ProblemFormSet(prefix="problems")
    form = problems.form(
        auto_id=problems.auto_id,
        prefix=problems.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        **problems.get_form_kwargs(index),
    )
    context = {"problem": form, "index": index, "next_index": index + 1, "max_problems": MAX_PROBLEMS}
    return render(request, "web/work/_problem_row_htmx.html", context)


@require_GET
@hidden_from_enterprises
@staff_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = visits.visit_list_for(actor(request)).filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return render(request, "web/work/visit_detail.html", {"visit": visit})
