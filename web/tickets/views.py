"""The web pages of tickets: the enterprise portal, the ticket page (one for every role: a
conversation with one reply box, the other allowed actions as buttons that open their form,
the deadlines beside it), and the work queue. Views parse, call one service, and render;
a domain error re-renders the page with the error and nothing changed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from servicedesk import clock
from servicedesk.api.throttles import enterprise_wait
from servicedesk.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge
from servicedesk.files import atomic_deleting_files
from servicedesk.models import Enterprise, User
from textsearch import SearchPaginator
from tickets import merge, ratings, selectors, services
from tickets.models import (
    BAD_SCORE_MAX,
    OPEN_STATUSES,
    DeadlineKind,
    EscalationLevel,
    ExtensionRequest,
    Rating,
    ReturnVisit,
    ReviewVerdict,
    SlaDeadline,
    Status,
    Ticket,
    TicketLink,
)
from tickets.state import Facts, allowed_actions
from triage.similar import similar_to_ticket

from . import canned
from . import forms as f

PAGE_SIZE = 25
AT_RISK_WITHIN = timedelta(hours=4)  # yellow when the warning (75 %) fired or the due time is this close


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required runs first
        raise PermissionDenied
    return user


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Any:
    """One page of `qs`; a search's page by the ids it found (no count, only the page's rows)."""
    return SearchPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# --- SLA flags -------------------------------------------------------------------------


def due_of(ticket: Ticket) -> datetime | None:
    """The deadline that runs now: acceptance before accepting, resolution after."""
    if ticket.status == Status.SUBMITTED:
        return ticket.accept_due_at
    if ticket.status in (Status.IN_PROGRESS, Status.WAITING):
        return ticket.resolve_due_at
    return None


def _warned(ticket: Ticket) -> bool:
    """The 75 % warning of the running deadline has fired (tickets.sla.escalation's ladder
    has moved past it). Reads `running_deadlines` when prefetched (see `with_deadlines`)."""
    kind = DeadlineKind.ACCEPT if ticket.status == Status.SUBMITTED else DeadlineKind.RESOLVE
    running = getattr(ticket, "running_deadlines", None)
    if running is None:
        running = list(_running_deadlines().filter(ticket=ticket))
    latest = next((d for d in running if d.kind == kind), None)
    return latest is not None and latest.next_level != EscalationLevel.WARNING


def _running_deadlines() -> QuerySet[SlaDeadline]:
    return SlaDeadline.objects.filter(stopped_at__isnull=True).order_by("-version")


def with_deadlines(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.prefetch_related(Prefetch("sla_deadlines", queryset=_running_deadlines(), to_attr="running_deadlines"))


def sla_flag(ticket: Ticket, now: datetime) -> str:
    """ "overdue" (red); "at-risk" (yellow: the 75 % warning fired, or due within a few
    hours even if the sweep has not run); or ""."""
    if ticket.status not in OPEN_STATUSES:
        return ""
    due = due_of(ticket)
    if ticket.overdue or (due is not None and due <= now):
        return "overdue"
    if (due is not None and due - now <= AT_RISK_WITHIN) or _warned(ticket):
        return "at-risk"
    return ""


def countdown(due: datetime | None, now: datetime) -> str:
    """ "in 3 hours, 20 minutes" before a deadline, "2 days, 3 hours late" after it."""
    if due is None:
        return ""
    if due > now:
        # Translators: a countdown to a deadline, e.g. "in 3 hours, 20 minutes"
        return gettext("in %(time)s") % {"time": timeuntil(due, now, depth=2)}
    # Translators: how late a deadline is, e.g. "2 days, 3 hours late"
    return gettext("%(time)s late") % {"time": timesince(due, now, depth=2)}


# --- the enterprise portal -------------------------------------------------------------


#: What an enterprise user writes through the portal counts against the API's per-user limits.
WRITE_SCOPES = {"reply": "enterprise_write", "attach": "enterprise_write"}


def _too_fast(wait: float) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return gettext("You are writing faster than the desk allows. Please try again in %(minutes)s minutes.") % {
        "minutes": minutes
    }


def _enterprise_only(user: User) -> None:
    if user.role != User.Role.ENTERPRISE or not user.enterprise_id:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def portal_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _enterprise_only(user)
    form = f.TicketCreateForm(request.POST or None, request.FILES or None)
    status = 200
    wait = enterprise_wait(request, "enterprise_ticket") if request.method == "POST" else None
    if wait is not None:
        form.is_valid()  # keeps what was typed, with the refusal above it
        form.add_error(None, _too_fast(wait))
        status = 429
    elif request.method == "POST":
        if form.is_valid():
            try:
                ticket = _file_ticket(user, form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("Ticket %(number)s filed.") % {"number": ticket.number})
                return redirect("ticket-page", number=ticket.number)
        else:
            status = 400
    _focus_first_error(form)
    return render(request, "tickets/portal_new.html", {"form": form}, status=status)


@atomic_deleting_files()
def _file_ticket(
    user: User, data: dict[str, Any], *, enterprise: Enterprise | None = None, channel: str | None = None
) -> Ticket:
    """The ticket and its attachments, all or nothing (also the files of those stored
    before a later one is refused); `enterprise` and `channel` when an officer files on
    behalf of one (代办)."""
    ticket = services.ticket_create(
        actor=user,
        title=data["title"],
        description=data["description"],
        kind=data["kind"],
        priority=data["priority"],
        service_item=data["service_item"],
        enterprise=enterprise,
        channel=channel,
    )
    for upload in data["attachments"]:
        services.attachment_add(ticket_id=ticket.pk, actor=user, upload=upload)
    return ticket


# --- filing on behalf of an enterprise (代办) -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def file_for_enterprise(request: HttpRequest) -> HttpResponse:
    """The portal's form for an officer (or a manager) filing for an enterprise in their
    scope, from a phone call or a visit: they become the ticket's assignee and owner (首问).
    Who may, and for which enterprises, is the service's rule (`ticket_create`)."""
    user = _user(request)
    if not services.files_on_behalf(user):
        raise PermissionDenied(gettext("Only officers and managers file tickets on behalf of an enterprise."))
    form = f.TicketFileForForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = _file_ticket(user, data, enterprise=data["enterprise"], channel=data["channel"])
            except NotFound as error:  # the enterprise left the scope since the form checked it
                form.add_error("enterprise", error.message)
                status = error.status_code
            except DomainError as error:
                _form_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("Ticket %(number)s filed.") % {"number": ticket.number})
                if selectors.sees_ticket_in_memory(user, ticket) or selectors.ticket_visible_to(user, ticket.pk):
                    return redirect("ticket-page", number=ticket.number)
                return redirect(_start_page(user))  # e.g. routed to the chief while the filer is on leave
        else:
            status = 400
    _focus_first_error(form)
    return render(request, "tickets/file_for.html", {"form": form}, status=status)


def _focus_first_error(form: forms.Form) -> None:
    """After a refused submission the cursor lands on the first field to fix (no script needed)."""
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _form_error(form: forms.Form, error: DomainError) -> None:
    """A service's Invalid with field details lands next to those fields; the rest on top."""
    placed = False
    if isinstance(error.detail, dict):
        for field, problems in error.detail.items():
            name = {"file": "attachments"}.get(field, field) if "attachments" in form.fields else field
            if name in form.fields:
                form.add_error(name, error.message if isinstance(error, Invalid | TooLarge) else str(problems))
                placed = True
    if not placed:
        form.add_error(None, error.message)


# --- the ticket page -------------------------------------------------------------------


def _ticket(user: User, number: str) -> Ticket:
    ticket = selectors.ticket_list_for(user).filter(number=number).first()
    if ticket is None:
        raise Http404(gettext("No such ticket."))
    return ticket


def _facts(ticket: Ticket, user: User) -> Facts:
    bad_unchecked = Rating.objects.filter(ticket=ticket, score__lte=BAD_SCORE_MAX, review_verdict="").exists()
    visit_due = (
        Rating.objects.filter(ticket=ticket, review_verdict=ReviewVerdict.VALID)
        .exclude(pk__in=ReturnVisit.objects.filter(ticket=ticket).values("rating_id"))
        .exists()
    )
    return Facts(
        bad_rating_unchecked=bad_unchecked,
        return_visit_due=visit_due,
        supervision=_supervision_exists(),
        linking=ticket.merged_into_id is None and not selectors.is_enterprise_user(user),
    )


def _supervision_exists() -> bool:
    try:
        from tickets.sla.escalation import supervision_issue  # noqa: F401
    except ImportError:  # pragma: no cover - the service ships with the SLA engine
        return False
    return True


Handler = Callable[[Ticket, User, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    title: Any
    form: Callable[..., forms.Form]
    handler: Handler
    done: Any
    button: Any
    style: str = "primary"
    multipart: bool = False
    #: the button that opens the form, when the title is too long for a row of buttons
    short: Any = None

    @property
    def label(self) -> Any:
        return self.short or self.title


def _transfer_form(*args: Any, user: User, ticket: Ticket, **kwargs: Any) -> forms.Form:
    return f.TransferForm(*args, user=user, ticket=ticket, **kwargs)


def _assist_form(*args: Any, user: User, ticket: Ticket, **kwargs: Any) -> forms.Form:
    return f.AssistForm(*args, ticket=ticket, **kwargs)


def _attach_form(*args: Any, user: User, ticket: Ticket, **kwargs: Any) -> forms.Form:
    form = f.AttachForm(*args, **kwargs)
    if selectors.is_enterprise_user(user):
        del form.fields["public"]  # what an enterprise uploads is always theirs to see
    return form


def _with_file(say: Callable[[Ticket, User, dict[str, Any]], Any], *, public: bool) -> Callable[..., Any]:
    """`say` (a reply or a note) and the file sent with it, if any, in one step: both are
    written, or neither is, and no stored file is left behind. The file of a note is internal
    (`public`: False), a reply's is the enterprise's to see."""

    @atomic_deleting_files()
    def run(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
        upload = data.pop("file", None)
        said = say(ticket, user, data)
        if upload is not None:
            services.attachment_add(ticket_id=ticket.pk, actor=user, upload=upload, public=public)
        return said

    return run


def _plain(form_class: type[forms.Form]) -> Callable[..., forms.Form]:
    def make(*args: Any, user: User, ticket: Ticket, **kwargs: Any) -> forms.Form:
        return form_class(*args, **kwargs)

    return make


def _decide(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
    extension_id = data["extension"]
    if not ExtensionRequest.objects.filter(pk=extension_id, ticket=ticket).exists():
        raise NotFound(gettext("No such extension request."))
    if data["decision"] == "approve":
        return services.extension_approve(extension_id=extension_id, actor=user, reason=data["reason"])
    return services.extension_reject(extension_id=extension_id, actor=user, reason=data["reason"])


def _other(user: User, number: str, field: str) -> int:
    """The id of the ticket named by its number, if the caller sees it (else a field error
    that never says whether it exists)."""
    pk = selectors.ticket_list_for(user).filter(number=number.strip()).values_list("pk", flat=True).first()
    if pk is None:
        raise Invalid(gettext("No such ticket."), detail={field: [gettext("No such ticket.")]})
    return int(pk)


def _link(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
    return merge.ticket_link(ticket_id=ticket.pk, other_id=_other(user, data["ticket"], "ticket"), actor=user)


def _merge(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
    into = _other(user, data["into"], "into")
    return merge.ticket_merge(ticket_id=ticket.pk, into_id=into, actor=user, reason=data.get("reason", ""))


def _merge_here(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
    duplicate = _other(user, data["duplicate"], "duplicate")
    return merge.ticket_merge(ticket_id=duplicate, into_id=ticket.pk, actor=user)


def _supervise(ticket: Ticket, user: User, data: dict[str, Any]) -> Any:
    from tickets.sla.escalation import supervision_issue

    return supervision_issue(ticket_id=ticket.pk, actor=user, reason=data["reason"])


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        _("Accept"),
        _plain(f.NoInputForm),
        lambda t, u, d: services.ticket_accept(ticket_id=t.pk, actor=u),
        _("Accepted."),
        _("Accept"),
    ),
    "return": ActionSpec(
        _("Return (misrouted)"),
        _plain(f.ReasonForm),
        lambda t, u, d: services.ticket_return(ticket_id=t.pk, actor=u, **d),
        _("Returned for re-dispatch."),
        _("Return"),
        "danger",
        short=_("Return"),
    ),
    "reply": ActionSpec(
        _("Reply"),
        canned.reply_form,
        _with_file(lambda t, u, d: services.ticket_reply(ticket_id=t.pk, actor=u, **d), public=True),
        _("Reply sent."),
        _("Send reply"),
        multipart=True,
    ),
    "note": ActionSpec(
        _("Internal note"),
        _plain(f.NoteForm),
        _with_file(lambda t, u, d: services.ticket_note(ticket_id=t.pk, actor=u, **d), public=False),
        _("Note added."),
        _("Add note"),
        "",
        multipart=True,
    ),
    "transfer": ActionSpec(
        _("Transfer"),
        _transfer_form,
        lambda t, u, d: services.ticket_transfer(ticket_id=t.pk, actor=u, **d),
        _("Transferred."),
        _("Transfer"),
        "",
    ),
    "assist": ActionSpec(
        _("Ask another department to assist"),
        _assist_form,
        lambda t, u, d: services.ticket_assist(ticket_id=t.pk, actor=u, **d),
        _("Assistance requested."),
        _("Ask for help"),
        "",
        short=_("Ask for help"),
    ),
    "suspend": ActionSpec(
        _("Suspend (waiting on the enterprise)"),
        _plain(f.ReasonForm),
        lambda t, u, d: services.ticket_suspend(ticket_id=t.pk, actor=u, **d),
        _("Suspended: the resolution clock is paused."),
        _("Suspend"),
        "",
        short=_("Suspend"),
    ),
    "resume": ActionSpec(
        _("Resume"),
        _plain(f.NoInputForm),
        lambda t, u, d: services.ticket_resume(ticket_id=t.pk, actor=u),
        _("Resumed."),
        _("Resume"),
    ),
    "resolve": ActionSpec(
        _("Resolve"),
        _plain(f.ResolveForm),
        lambda t, u, d: services.ticket_resolve(ticket_id=t.pk, actor=u, **d),
        _("Resolved."),
        _("Resolve"),
    ),
    "extend": ActionSpec(
        _("Ask for an extension"),
        _plain(f.ExtendForm),
        lambda t, u, d: services.extension_request(ticket_id=t.pk, actor=u, **d),
        _("Extension requested."),
        _("Ask for more time"),
        "",
        short=_("Ask for more time"),
    ),
    "decide_extension": ActionSpec(
        _("Decide the extension request"),
        _plain(f.ExtensionDecisionForm),
        _decide,
        _("Extension decided."),
        _("Decide"),
    ),
    "withdraw": ActionSpec(
        _("Withdraw"),
        _plain(f.OptionalReasonForm),
        lambda t, u, d: services.ticket_withdraw(ticket_id=t.pk, actor=u, **d),
        _("Withdrawn."),
        _("Withdraw"),
        "danger",
    ),
    "rate": ActionSpec(
        _("Rate the service"),
        _plain(f.RateForm),
        lambda t, u, d: services.ticket_rate(ticket_id=t.pk, actor=u, **d),
        _("Thank you for your rating."),
        _("Send rating"),
    ),
    "reopen": ActionSpec(
        _("Reopen"),
        _plain(f.ReasonForm),
        lambda t, u, d: services.ticket_reopen(ticket_id=t.pk, actor=u, **d),
        _("Reopened."),
        _("Reopen"),
        "",
    ),
    "attach": ActionSpec(
        _("Add an attachment"),
        _attach_form,
        lambda t, u, d: services.attachment_add(
            ticket_id=t.pk, actor=u, upload=d["file"], public=d.get("public", True)
        ),
        _("Attachment added."),
        _("Upload"),
        "",
        multipart=True,
    ),
    "review-rating": ActionSpec(
        _("Check the bad review"),
        _plain(f.ReviewRatingForm),
        lambda t, u, d: ratings.rating_review(ticket_id=t.pk, actor=u, **d),
        _("Bad review checked."),
        _("Record the check"),
    ),
    "return-visit": ActionSpec(
        _("Return visit"),
        _plain(f.ReturnVisitForm),
        lambda t, u, d: ratings.return_visit_record(ticket_id=t.pk, actor=u, **d),
        _("Return visit recorded."),
        _("Record the return visit"),
    ),
    "praise": ActionSpec(
        _("Record praise"),
        _plain(f.PraiseForm),
        lambda t, u, d: ratings.ticket_praise(ticket_id=t.pk, actor=u, **d),
        _("Praise recorded."),
        _("Record"),
        "",
    ),
    "supervise": ActionSpec(
        _("Issue a supervision order"),
        _plain(f.ReasonForm),
        _supervise,
        _("Supervision order issued."),
        _("Issue the order"),
        "danger",
    ),
    "link": ActionSpec(
        _("Link a related ticket"),
        _plain(f.LinkForm),
        _link,
        _("Tickets linked."),
        _("Link"),
        "",
    ),
    "merge": ActionSpec(
        _("Merge into another ticket (duplicate)"),
        _plain(f.MergeForm),
        _merge,
        _("Merged: this ticket is closed as a duplicate."),
        _("Merge"),
        "danger",
        short=_("Merge"),
    ),
    # "merge into this" on the similar-tickets panel (no panel of its own)
    "merge-here": ActionSpec(
        _("Merge into this ticket"),
        _plain(f.MergeHereForm),
        _merge_here,
        _("Merged: the other ticket is closed as a duplicate of this one."),
        _("Merge into this"),
        "danger",
    ),
}
#: Actions posted from elsewhere on the page than their own panel: their refusals are told on top.
PANEL_LESS = {"merge-here"}


#: The reply box holds these (a public reply or an internal note, and a file); every other
#: allowed action is a button that opens its form, the rarely used ones under "More".
COMPOSER = ("reply", "note", "attach")
MORE = ("link", "merge", "praise")
#: The action the reader most likely came to do is the first, highlighted button; the
#: decisions waiting on this reader are open when the page loads (nothing else is).
LEAD = ["review-rating", "decide_extension", "accept", "rate", "return-visit", "resume", "resolve"]
OPEN_ON_LOAD = {"review-rating", "decide_extension", "rate", "return-visit"}
#: so few actions need no "More"
BUTTONS_WITHOUT_MORE = 4


def _initial(action: str, ticket: Ticket, pending: ExtensionRequest | None) -> dict[str, Any]:
    if action == "decide_extension" and pending is not None:
        return {"extension": pending.pk}
    return {}


def _deadlines(ticket: Ticket, now: datetime, flag: str) -> list[dict[str, Any]]:
    """The side panel's rows, acceptance then resolution: the due time, a state ("done",
    "overdue", "at-risk" or ""), whether its clock is paused (the resolution's, while the
    ticket waits on the enterprise; it may be overdue too) and, for the deadline that runs
    now, a countdown. `flag` is the ticket's `sla_flag` (read once: it may query)."""
    running = "accept" if ticket.status == Status.SUBMITTED else "resolve"
    rows = []
    for kind, due, done in (
        ("accept", ticket.accept_due_at, ticket.accepted_at is not None),
        ("resolve", ticket.resolve_due_at, ticket.status in (Status.RESOLVED, Status.CLOSED)),
    ):
        state, left = ("done" if done else ""), ""
        paused = kind == "resolve" and ticket.status == Status.WAITING
        if not done and due is not None and ticket.status in OPEN_STATUSES:
            if paused:
                state = "overdue" if due <= now or ticket.overdue else ""
            elif kind == running:
                state, left = flag, countdown(due, now)
            elif due <= now:
                state = "overdue"
        rows.append({"kind": kind, "due": due, "state": state, "paused": paused, "countdown": left})
    return rows


def _page_context(
    request: HttpRequest, user: User, ticket: Ticket, bound: tuple[str, forms.Form] | None = None
) -> dict[str, Any]:
    relations = selectors.relations_of(user, ticket)
    pending = ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionRequest.Status.PENDING).first()
    facts = _facts(ticket, user)
    names = allowed_actions(ticket.status, relations, facts=facts)
    if pending is None and "decide_extension" in names:
        names.remove("decide_extension")
    panels = []
    for name in names:
        spec = ACTIONS.get(name)
        if spec is None:
            continue
        if bound is not None and bound[0] == name:
            form = bound[1]
        else:
            form = spec.form(user=user, ticket=ticket, prefix=name, initial=_initial(name, ticket, pending))
        panels.append(
            {
                "name": name,
                "spec": spec,
                "form": form,
                "open": bound is not None and bound[0] == name,
                "lead": False,
                # an action that asks nothing is one button that posts at once (accept, resume)
                "direct": not form.fields,
            }
        )
    buttons = [p for p in panels if p["name"] not in COMPOSER and p["name"] not in MORE]
    if buttons:
        lead = min(buttons, key=lambda p: LEAD.index(p["name"]) if p["name"] in LEAD else len(LEAD))
        if lead["name"] in LEAD:
            lead["lead"] = True
            lead["open"] = lead["open"] or (bound is None and lead["name"] in OPEN_ON_LOAD)
            buttons.remove(lead)
            buttons.insert(0, lead)
    composer = {p["name"]: p for p in panels if p["name"] in COMPOSER}
    more = [p for p in panels if p["name"] in MORE]
    if len(buttons) + len(more) <= BUTTONS_WITHOUT_MORE:  # e.g. the enterprise's reopen and praise
        buttons, more = buttons + more, []
    now = clock.now()
    flag = sla_flag(ticket, now)
    return {
        "ticket": ticket,
        "flag": flag,
        "deadlines": _deadlines(ticket, now, flag),
        "events": list(selectors.event_list_for(user, ticket))[::-1],  # newest first
        "attachments": selectors.attachment_list_for(user, ticket),
        "pending_extension": pending,
        "assists": ticket.assists.select_related("department").order_by("id")
        if not selectors.is_enterprise_user(user)
        else [],
        "panels": panels,
        "buttons": buttons,
        "more": more,
        "more_open": any(p["open"] for p in more),
        "composer": composer,
        "bad_rating_unchecked": facts.bad_rating_unchecked,
        "is_staff_view": not selectors.is_enterprise_user(user),
        # open tickets in the caller's scope that say the same thing (duplicates to link or merge)
        "similar": similar_to_ticket(user, ticket) if not selectors.is_enterprise_user(user) else [],
        "can_link": facts.linking and "link" in names,
        "can_merge_here": facts.linking and ticket.status in OPEN_STATUSES and "link" in names,
        **_merge_context(user, ticket),
    }


def _merge_context(user: User, ticket: Ticket) -> dict[str, Any]:
    """What the page says of merges and links. The staff see the primary, the duplicates and
    the related tickets that are in their scope; an enterprise user only that its ticket was
    merged (the primary may be another enterprise's)."""
    if selectors.is_enterprise_user(user):
        return {"merged": ticket.merged_into_id is not None, "primary": None, "duplicates": [], "related": []}
    scope = selectors.ticket_list_for(user).select_related(None).only("pk", "number", "title", "status")
    primary = scope.filter(pk=ticket.merged_into_id).first() if ticket.merged_into_id else None
    linked = TicketLink.objects.filter(Q(low=ticket) | Q(high=ticket)).values_list("low_id", "high_id")
    other_ids = {low if high == ticket.pk else high for low, high in linked}
    return {
        "merged": ticket.merged_into_id is not None,
        "primary": primary,
        "duplicates": list(scope.filter(merged_into=ticket).order_by("pk")),
        "related": list(scope.filter(pk__in=other_ids).order_by("pk")) if other_ids else [],
    }


@login_required
@require_safe
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _ticket(user, number)
    return render(request, "tickets/ticket_detail.html", _page_context(request, user, ticket))


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponseBase:
    user = _user(request)
    ticket = _ticket(user, number)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(gettext("No such action."))
    form = spec.form(request.POST, request.FILES or None, user=user, ticket=ticket, prefix=action)
    status = 400
    wait = enterprise_wait(request, WRITE_SCOPES[action]) if action in WRITE_SCOPES else None
    if wait is not None:
        form.is_valid()
        form.add_error(None, _too_fast(wait))
        status = 429
    elif form.is_valid():
        try:
            spec.handler(ticket, user, dict(form.cleaned_data))
        except NotFound:
            raise Http404(gettext("No such ticket.")) from None
        except (Forbidden, Conflict) as error:
            messages.error(request, _refusal(error))
            status = error.status_code
        except DomainError as error:
            if action in PANEL_LESS:
                messages.error(request, error.message)
            else:
                _form_error(form, error)
            status = error.status_code
        else:
            messages.success(request, str(spec.done))
            if not selectors.ticket_list_for(user).filter(pk=ticket.pk).exists():
                return redirect(_start_page(user))  # e.g. transferred out of the caller's scope
            return redirect("ticket-page", number=ticket.number)
        ticket = _ticket(user, number)
    elif action in PANEL_LESS:
        messages.error(request, gettext("Name a ticket."))  # the hidden field was tampered with
    _focus_first_error(form)
    context = _page_context(request, user, ticket, bound=(action, form))
    return render(request, "tickets/ticket_detail.html", context, status=status)


def _refusal(error: DomainError) -> str:
    if isinstance(error, Forbidden):
        # Translators: %(reason)s is the refusal, e.g. "You may not accept this ticket."
        return gettext("You may not do this on this ticket. (%(reason)s)") % {"reason": error.message}
    # Translators: %(reason)s is the refusal, e.g. "'accept' is not possible while the ticket is closed."
    return gettext("Not possible now: nothing was changed. (%(reason)s)") % {"reason": error.message}


def _start_page(user: User) -> str:
    name = "portal-home" if user.role == User.Role.ENTERPRISE else "work-queue"
    try:
        return reverse(name)
    except NoReverseMatch:  # pragma: no cover
        return "/"
