"""The ticket lists: the work queue (an officer's own tickets, a manager's scope) with its tabs,
search, filters, sortable columns, saved views and bulk accept; and the enterprise portal's
list with its search and status filter. The query is `tickets.queue`'s; here it is parsed
from the address and rendered."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from servicedesk import clock
from servicedesk.errors import DomainError
from servicedesk.models import User
from servicedesk.selectors import department_list, is_admin, park_list
from tickets import queue, selectors, services
from tickets.models import Priority, Status, Ticket

from . import live
from .views import _page, _user, countdown, due_of, sla_flag, with_deadlines

BULK_MAX = 100

TAB_LABELS = {
    "open": _("Open"),
    "waiting": _("Waiting on the enterprise"),
    "overdue": _("Overdue"),
    "resolved": _("Resolved"),
    "all": _("All"),
}
PORTAL_TABS = ("open", "resolved", "all")

COLUMNS = [
    ("number", _("Number")),
    ("title", _("Title")),
    ("priority", _("Priority")),
    ("status", _("Status")),
    ("enterprise", _("Enterprise")),
    ("assignee", _("Assignee")),
    ("due", _("Next deadline")),
    ("created", _("Filed")),
]


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(required=False, choices=[(t, t) for t in queue.TABS], widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Number, words of the title, description or replies, or the enterprise's name"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    park = forms.ModelChoiceField(label=_("Park"), required=False, queryset=park_list(), empty_label=_("Any park"))
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=department_list(), empty_label=_("Any department")
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{d}{key}", key) for key, _label in COLUMNS for d in ("", "-")],
        widget=forms.HiddenInput,
    )
    service_item = forms.SlugField(required=False, max_length=50, widget=forms.HiddenInput)
    owner = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    filed_from = forms.DateField(required=False, widget=forms.HiddenInput)
    filed_to = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, manager: bool = True, portal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": self.fields["q"].help_text})
        if not manager:
            del self.fields["park"], self.fields["department"]
        if portal:
            del self.fields["priority"]
            self.fields["tab"].choices = [(t, t) for t in PORTAL_TABS]  # type: ignore[attr-defined]
            self.fields["q"].help_text = _("Number, or words of the title, description or replies")
            self.fields["q"].widget.attrs["placeholder"] = self.fields["q"].help_text

    def query(self) -> queue.QueueQuery:
        """The valid parts of the address (the rest are shown as errors and ignored)."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        park, department = data.get("park"), data.get("department")
        tab = data.get("tab") or "open"
        if self.is_bound and str(self.data.get("overdue", "")).lower() in ("1", "true", "on", "yes"):
            tab = "overdue"  # the address of older links and bookmarks (?overdue=1)
        return queue.QueueQuery(
            tab=tab,
            q=data.get("q") or "",
            status=data.get("status") or "",
            priority=data.get("priority") or "",
            park=park.pk if park else None,
            department=department.pk if department else None,
            service_item=data.get("service_item") or "",
            owner=data.get("owner"),
            filed_from=data.get("filed_from"),
            filed_to=data.get("filed_to"),
            sort=data.get("sort") or "",
        )


def query_string(query: queue.QueueQuery) -> str:
    """The address of a query, only the parameters that differ from the default."""
    params = {
        "tab": query.tab if query.tab != "open" else "",
        "q": query.q,
        "status": query.status,
        "priority": query.priority,
        "park": query.park or "",
        "department": query.department or "",
        "service_item": query.service_item,
        "owner": query.owner or "",
        "filed_from": query.filed_from.isoformat() if query.filed_from else "",
        "filed_to": query.filed_to.isoformat() if query.filed_to else "",
        "sort": query.sort,
    }
    return urlencode({k: v for k, v in params.items() if v})


def queue_rows(page: Any) -> list[dict[str, Any]]:
    now = clock.now()
    rows = []
    for ticket in page.object_list:
        due = due_of(ticket)
        rows.append(
            {
                "ticket": ticket,
                "due": due,
                "due_kind": _due_kind(ticket),
                "countdown": countdown(due, now),
                "flag": sla_flag(ticket, now),
            }
        )
    return rows


def _due_kind(ticket: Ticket) -> str:
    if ticket.status == Status.SUBMITTED:
        return gettext("acceptance")
    if ticket.status in (Status.IN_PROGRESS, Status.WAITING):
        return gettext("resolution")
    return ""


def _columns(query: queue.QueueQuery, keys: list[str]) -> list[dict[str, Any]]:
    current = query.sort or ("" if query.q else queue.default_sort(query))
    columns = []
    for key, label in COLUMNS:
        if key not in keys:
            continue
        if current == key:
            next_sort, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            next_sort, aria = key, "descending"
        else:
            next_sort, aria = (f"-{key}" if key in queue.FIRST_DESCENDING else key), ""
        columns.append({"key": key, "label": label, "sort": next_sort, "aria_sort": aria})
    return columns


def _tabs(query: queue.QueueQuery, names: tuple[str, ...], counts: dict[str, int], mine: bool) -> list[dict[str, Any]]:
    tabs = []
    for name in names:
        label = gettext("All mine") if name == "all" and mine else TAB_LABELS[name]
        tabs.append({"name": name, "label": label, "count": counts.get(name), "current": name == query.tab})
    return tabs


def _queue_context(request: HttpRequest, user: User) -> dict[str, Any]:
    mine = queue.owns_queue(user)
    filters = QueueFilterForm(request.GET or None, manager=not mine)
    query = filters.query()
    page = _page(request, with_deadlines(queue.queue_for(user, query)))
    keys = [key for key, _label in COLUMNS]
    return {
        "page_obj": page,
        "rows": queue_rows(page),
        "filters": filters,
        "query": query,
        "is_manager": not mine,
        "tabs": _tabs(query, queue.TABS, queue.tab_counts(user), mine),
        "columns": _columns(query, keys),
        "current_query": query_string(query),
        "bulk": mine,
    }


@login_required
@require_safe
def work_queue(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    if user.role == User.Role.ENTERPRISE and not is_admin(user):
        return redirect("portal-home")
    loaded = clock.now()  # before the rows are read; the first check looks back `live.LAG` more
    context = _queue_context(request, user)
    context["saved"] = list(queue.saved_filters(user))
    context["live_token"] = live.token(user=user, loaded=loaded, since=loaded - live.LAG, shown=_shown(context))
    context["live_every"] = live.POLL_SECONDS
    template = "tickets/_queue_rows.html" if getattr(request, "htmx", False) else "tickets/work_queue.html"
    return render(request, template, context)


def _shown(context: dict[str, Any]) -> list[int]:
    return [row["ticket"].pk for row in context["rows"]]


@require_safe
def work_queue_changes(request: HttpRequest) -> HttpResponseBase:
    """The live queue's check, polled by the queue page every few seconds with the page's own
    address and its token: 204 while nothing in the page's scope changed (one indexed query);
    else the refreshed rows, the tickets changed since the page was loaded marked, with a new
    token. 286 (htmx: stop polling) when signed out or the token is not this user's; the page
    says to reload."""
    user = request.user
    if not user.is_authenticated or (user.role == User.Role.ENTERPRISE and not is_admin(user)):
        return _stop_polling(request)
    state = live.read(request.GET.get("since", ""), user=user)
    if state is None:
        return _stop_polling(request)
    filters = QueueFilterForm(request.GET or None, manager=not queue.owns_queue(user))
    latest = queue.queue_changed_since(user, filters.query(), since=state.since, shown=state.shown)
    if latest is None:
        return HttpResponse(status=204)
    if request.GET.get("hint"):  # the dashboard: a line saying so, then no more checks
        return _stop_polling(request, "tickets/_queue_news.html", reverse("dashboard"))
    address = request.GET.copy()  # the rows' sort and page links keep the page's address only
    address.pop("since", None)
    request.GET = address  # type: ignore[assignment]
    context = _queue_context(request, user)
    context["live_token"] = live.token(user=user, loaded=state.loaded, since=latest, shown=_shown(context))
    context["live_every"] = live.POLL_SECONDS
    context["news"] = _mark_news(context["rows"], state.loaded)
    return render(request, "tickets/_queue_live.html", context)


def _mark_news(rows: list[dict[str, Any]], loaded: datetime) -> int:
    """Mark the rows filed ("new") or changed since the page was loaded; how many."""
    for row in rows:
        ticket = row["ticket"]
        if ticket.created_at > loaded:
            row["news"] = "new"
        elif ticket.updated_at > loaded:
            row["news"] = "changed"
    return sum(1 for row in rows if row.get("news"))


def _stop_polling(
    request: HttpRequest, template: str = "tickets/_queue_stale.html", reload_url: str = ""
) -> HttpResponse:
    if not reload_url:
        address = request.GET.copy()
        address.pop("since", None)
        reload_url = reverse("work-queue") + (f"?{address.urlencode()}" if address else "")
    response = render(request, template, {"reload_url": reload_url}, status=286)
    response["HX-Reswap"] = "none"  # only the notice, out of band: the rows stay as they are
    return response


@login_required
@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role != User.Role.ENTERPRISE or not user.enterprise_id:
        raise PermissionDenied
    filters = QueueFilterForm(request.GET or None, manager=False, portal=True)
    query = filters.query()
    if query.tab not in PORTAL_TABS:
        query = queue.QueueQuery(**{**query.__dict__, "tab": "open"})
    qs = queue.queue_for(user, query)
    if not query.sort and not query.q:
        qs = qs.order_by("-created_at", "-id")  # the enterprise reads its newest first
    page = _page(request, with_deadlines(qs))
    keys = ["number", "title", "status", "due", "created"]
    context = {
        "page_obj": page,
        "rows": queue_rows(page),
        "filters": filters,
        "query": query,
        "tabs": _tabs(query, PORTAL_TABS, {}, False),
        "columns": _columns(query, keys),
        "bulk": False,
    }
    template = "tickets/_portal_rows.html" if getattr(request, "htmx", False) else "tickets/portal_home.html"
    return render(request, template, context)


# --- bulk accept ---------------------------------------------------------------------------


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("work-queue")


@login_required
@require_POST
def bulk_accept(request: HttpRequest) -> HttpResponseBase:
    """签收 several tickets at once: each in its own transaction, each by the same rules as
    one (only the assignee may); what could not be accepted is named with the reason."""
    user = _user(request)
    if user.role == User.Role.ENTERPRISE and not is_admin(user):
        raise PermissionDenied
    numbers = [n.strip() for n in request.POST.getlist("ticket") if n.strip()][:BULK_MAX]
    if not numbers:
        messages.warning(request, gettext("Select the tickets to accept first."))
        return redirect(_back(request))
    found = dict(selectors.ticket_list_for(user).filter(number__in=numbers).values_list("number", "pk"))
    accepted, refused = [], []
    for number in numbers:
        ticket_id = found.get(number)
        if ticket_id is None:
            refused.append(gettext("%(number)s: no such ticket") % {"number": number})
            continue
        try:
            services.ticket_accept(ticket_id=ticket_id, actor=user)
        except DomainError as error:
            refused.append(f"{number}: {error.message}")
        else:
            accepted.append(number)
    if accepted:
        messages.success(
            request,
            ngettext("%(n)d ticket accepted.", "%(n)d tickets accepted.", len(accepted)) % {"n": len(accepted)},
        )
    if refused:
        messages.error(
            request,
            ngettext("%(n)d ticket was not accepted: %(why)s", "%(n)d tickets were not accepted: %(why)s", len(refused))
            % {"n": len(refused), "why": "; ".join(refused)},
        )
    return redirect(_back(request))


# --- saved views ---------------------------------------------------------------------------


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    if user.role == User.Role.ENTERPRISE and not is_admin(user):
        raise PermissionDenied
    from django.http import QueryDict

    filters = QueueFilterForm(QueryDict(request.POST.get("query", "")), manager=not queue.owns_queue(user))
    query = query_string(filters.query())
    try:
        saved = queue.saved_filter_save(user=user, name=request.POST.get("name", ""), query=query)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("work-queue") + (f"?{query}" if query else ""))
    messages.success(request, gettext("View “%(name)s” saved.") % {"name": saved.name})
    return redirect(reverse("work-queue") + (f"?{saved.query}" if saved.query else ""))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, saved_id: int) -> HttpResponseBase:
    user = _user(request)
    queue.saved_filter_delete(user=user, saved_id=saved_id)
    messages.success(request, gettext("View deleted."))
    return redirect("work-queue")
