"""The support policies' pages (惠企政策) for the three roles: the list (an enterprise: the
policies it may apply for, marked when it qualifies; an officer: how many of their enterprises
qualify and have not applied; a manager: matched, notified, applied, granted), one policy with
its matches in the reader's scope, applying (a ticket), publishing, archiving, marking a grant,
and an enterprise's attributes (officers and managers; every change audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from policies import services
from policies.conditions import Qualification, SizeClass
from policies.models import Outcome, Policy, PolicyMatch, PolicyStatus
from servicedesk import clock
from servicedesk.errors import Conflict, DomainError, Forbidden, NotFound
from servicedesk.models import Enterprise, Park, ServiceItem, User

from ..work.common import actor, errors_to_form, page_of


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("A note for the officer (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OutcomeForm(forms.Form):
    """What became of an application (on the policy's page, one per enterprise that applied)."""

    enterprise = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(label=gettext_lazy("outcome"), choices=Outcome.choices)
    decided_on = forms.DateField(label=gettext_lazy("decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    remark = forms.CharField(
        label=gettext_lazy("remark"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("required when not granted"),
    )


class ProfileForm(forms.Form):
    industry_code = forms.CharField(
        label=gettext_lazy("industry code"),
        required=False,
        max_length=5,
        help_text=gettext_lazy("GB/T 4754, e.g. C3981 (a letter, up to 4 digits)"),
    )
    size_class = forms.ChoiceField(label=gettext_lazy("size class"), required=False)
    qualifications = forms.MultipleChoiceField(
        label=gettext_lazy("qualifications"),
        required=False,
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    registered_on = forms.DateField(
        label=gettext_lazy("registered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["size_class"].choices = [("", "—"), *SizeClass.choices]  # type: ignore[attr-defined]


class PolicyForm(forms.Form):
    """A new policy: its texts, validity and service item, and its conditions as fields."""

    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    issuer = forms.CharField(label=gettext_lazy("issued by"), max_length=100)
    summary = forms.CharField(label=gettext_lazy("summary"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=gettext_lazy("full text"), max_length=50000, required=False, widget=forms.Textarea)
    benefit = forms.CharField(label=gettext_lazy("benefit"), max_length=200)
    service_item = forms.ModelChoiceField(label=gettext_lazy("service item"), queryset=ServiceItem.objects.none())
    park = forms.ModelChoiceField(
        label=gettext_lazy("park"), queryset=Park.objects.none(), required=False, empty_label=gettext_lazy("zone-wide")
    )
    effective_from = forms.DateField(
        label=gettext_lazy("effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=gettext_lazy("effective to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    industry = forms.CharField(
        label=gettext_lazy("industry code prefixes"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("GB/T 4754, separated by commas, e.g. C39, I65"),
    )
    size = forms.MultipleChoiceField(
        label=gettext_lazy("size class"), required=False, choices=SizeClass.choices, widget=forms.CheckboxSelectMultiple
    )
    qualifications = forms.MultipleChoiceField(
        label=gettext_lazy("qualifications (all of them)"),
        required=False,
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    years_min = forms.IntegerField(label=gettext_lazy("at least years since registration"), required=False)
    years_max = forms.IntegerField(label=gettext_lazy("at most years since registration"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].queryset = ServiceItem.objects.filter(is_active=True).order_by("code")  # type: ignore[attr-defined]
        if user.park_id:
            del self.fields["park"]
        else:
            self.fields["park"].queryset = Park.objects.order_by("id")  # type: ignore[attr-defined]

    SERVICE_FIELDS = (
        "title",
        "issuer",
        "summary",
        "body",
        "benefit",
        "service_item",
        "park",
        "effective_from",
        "effective_to",
    )

    def conditions(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions: dict[str, Any] = {}
        codes = [c.strip() for c in (data.get("industry") or "").replace("，", ",").split(",") if c.strip()]
        if codes:
            conditions["industry"] = codes
        for key in ("size", "qualifications"):
            if data.get(key):
                conditions[key] = list(data[key])
        for key in ("years_min", "years_max"):
            if data.get(key) is not None:
                conditions[key] = data[key]
        return conditions


@require_http_methods(["GET", "POST"])
@login_required
def policy_new(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    if not services.is_writer(user):
        raise PermissionDenied(_("Only the park's and the zone's managers write policies."))
    form = PolicyForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in PolicyForm.SERVICE_FIELDS}
            try:
                policy = services.policy_create(actor=user, conditions=form.conditions(), **data)
            except DomainError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("The draft is saved: publish it to tell the qualifying enterprises."))
                return redirect("policy-detail", policy_id=policy.pk)
    return render(request, "policies/policy_new.html", {"form": form}, status=status)


def _policy(user: User, policy_id: int) -> Any:
    try:
        return services.policy_get_for(user, policy_id)
    except NotFound:
        raise Http404 from None


@require_GET
@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    page = page_of(request, services.policy_list_for(user).order_by("-effective_from", "-id"))
    ids = [policy.pk for policy in page.object_list]
    own: dict[int, PolicyMatch] = {}
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        own = {m.policy_id: m for m in PolicyMatch.objects.filter(enterprise_id=user.enterprise_id, policy_id__in=ids)}
    counts = services.counts_for(user, ids)
    rows = [{"policy": p, "mine": own.get(p.pk), "counts": counts.get(p.pk, services.Counts())} for p in page]
    context = {
        "page_obj": page,
        "rows": rows,
        "staff": services.is_staff(user),
        "writer": services.is_writer(user),
        "own_enterprise": user.enterprise_id if user.role == User.Role.ENTERPRISE else None,
    }
    return render(request, "policies/policy_list.html", context)


@require_GET
@login_required
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = actor(request)
    policy = _policy(user, policy_id)
    mine = None
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        mine = PolicyMatch.objects.filter(policy=policy, enterprise_id=user.enterprise_id).first()
    staff = services.is_staff(user)
    matches = page_of(request, services.match_list_for(user, policy)) if staff else None
    recordable = {m.pk for m in matches.object_list if services.may_record_outcome(user, m)} if matches else set()
    context = {
        "policy": policy,
        "mine": mine,
        "matches": matches,
        "page_obj": matches,
        "counts": services.counts_for(user, [policy.pk]).get(policy.pk, services.Counts()),
        "staff": services.is_staff(user),
        "editor": services.may_edit(user, policy),
        "open": policy.status == "published" and services.is_effective(policy, clock.today_local()),
        "form": ApplyForm(),
        "conditions": policy.conditions,
        "recordable": recordable,
        "today": clock.today_local(),
        "outcomes": Outcome.choices,
        "events": services.policy_events_for(user, policy.pk)[:20] if staff else [],
    }
    return render(request, "policies/policy_detail.html", context)


@require_POST
@login_required
def policy_apply(request: HttpRequest, policy_id: int) -> HttpResponseBase:
    user = actor(request)
    form = ApplyForm(request.POST)
    enterprise = None
    if user.role != User.Role.ENTERPRISE:
        raw = request.POST.get("enterprise", "")
        enterprise = Enterprise.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
        if enterprise is None:
            raise Http404
    if not form.is_valid():
        return redirect("policy-detail", policy_id=policy_id)
    try:
        ticket = services.policy_apply(
            actor=user, policy_id=policy_id, enterprise=enterprise, note=form.cleaned_data["note"]
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("policy-detail", policy_id=policy_id)
    messages.success(request, _("Applied: ticket %(number)s is filed.") % {"number": ticket.number})
    return redirect("ticket-page", number=ticket.number)


@require_POST
@login_required
def policy_action(request: HttpRequest, policy_id: int, action: str) -> HttpResponseBase:
    user = actor(request)
    try:
        if action == "publish":
            services.policy_publish(actor=user, policy_id=policy_id)
            messages.success(request, _("Published: the qualifying enterprises and their officers are told."))
        elif action == "archive":
            services.policy_archive(actor=user, policy_id=policy_id)
            messages.success(request, _("Archived."))
        elif action == "outcome":
            form = OutcomeForm(request.POST)
            if not form.is_valid():
                if "enterprise" in form.errors:
                    raise NotFound(_("No such enterprise."))
                messages.error(request, str(next(iter(form.errors.values()))[0]))
                return redirect("policy-detail", policy_id=policy_id)
            services.policy_outcome_record(
                actor=user,
                policy_id=policy_id,
                enterprise_id=form.cleaned_data["enterprise"],
                outcome=form.cleaned_data["outcome"],
                decided_on=form.cleaned_data["decided_on"],
                remark=form.cleaned_data["remark"],
            )
            messages.success(request, _("The outcome is recorded."))
        else:
            raise NotFound(_("No such action."))
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:  # Conflict, Invalid: said on the page, nothing changed
        messages.error(request, error.message)
    return redirect("policy-detail", policy_id=policy_id)


def _initial(policy: Policy) -> dict[str, Any]:
    conditions = policy.conditions or {}
    return {
        **{field: getattr(policy, field) for field in PolicyForm.SERVICE_FIELDS if field != "park"},
        "industry": ", ".join(conditions.get("industry", [])),
        "size": conditions.get("size", []),
        "qualifications": conditions.get("qualifications", []),
        "years_min": conditions.get("years_min"),
        "years_max": conditions.get("years_max"),
    }


@require_http_methods(["GET", "POST"])
@login_required
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponseBase:
    """A draft or a published policy's texts, validity, service item and conditions (its park
    stays). Changing a published policy's eligibility tells only those who qualify now and
    were not told before."""
    user = actor(request)
    policy = _policy(user, policy_id)
    if not services.may_edit(user, policy):
        raise PermissionDenied(_("You may not change this policy."))
    if policy.status == PolicyStatus.ARCHIVED:
        messages.error(request, _("An archived policy cannot be changed."))
        return redirect("policy-detail", policy_id=policy.pk)
    form = PolicyForm(request.POST or None, user=user, initial=_initial(policy))
    form.fields.pop("park", None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in PolicyForm.SERVICE_FIELDS}
            conditions = form.conditions()
            if "parks" in (policy.conditions or {}):  # not on the form: kept as it is
                conditions["parks"] = policy.conditions["parks"]
            try:
                services.policy_update(actor=user, policy_id=policy.pk, conditions=conditions, **data)
            except (Conflict, Forbidden) as error:
                messages.error(request, error.message)
                return redirect("policy-detail", policy_id=policy.pk)
            except DomainError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("The policy is saved."))
                return redirect("policy-detail", policy_id=policy.pk)
    return render(request, "policies/policy_edit.html", {"form": form, "policy": policy}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: HttpRequest, enterprise_id: int) -> HttpResponseBase:
    user = actor(request)
    try:
        profile = services.profile_get_for(user, enterprise_id)
    except NotFound:
        raise Http404 from None
    enterprise = profile.enterprise
    editable = services.may_edit_profile(user, enterprise)
    initial = {
        "industry_code": profile.industry_code,
        "size_class": profile.size_class,
        "qualifications": profile.qualification_list,
        "registered_on": profile.registered_on,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        if not editable:
            message = _("Only the enterprise's officers, managers and its own administrator change its attributes.")
            raise PermissionDenied(message)
        if form.is_valid():
            try:
                services.profile_update(actor=user, enterprise_id=enterprise_id, **form.cleaned_data)
            except DomainError as error:
                errors_to_form(form, error)
                status = 400
            else:
                messages.success(request, _("The enterprise's attributes are saved."))
                return redirect("enterprise-profile", enterprise_id=enterprise_id)
        else:
            status = 400
    context = {
        "enterprise": enterprise,
        "form": form,
        "editable": editable,
        "changes": services.profile_changes_for(user, enterprise_id)[:50],
        "policies": services.enterprise_policies_for(user, enterprise_id)[:50],
    }
    return render(request, "policies/profile_edit.html", context, status=status)
