"""The web forms: they parse and validate input; the services (tickets.services,
tickets.ratings) make the change. Nothing here saves a model."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.errors import Invalid, TooLarge
from servicedesk.models import Department, Enterprise, ServiceItem, User
from servicedesk.selectors import department_list, enterprise_list_for, service_item_list
from tickets.models import Channel, Kind, PraiseKind, Priority, ReturnVisitMethod, ReviewVerdict, Ticket
from tickets.uploads import check_upload

MAX_FILES = 5

# 好差评: the five levels, in the words the enterprises know (translated in the catalogue).
SCORE_CHOICES = [
    # Translators: 非常不满意
    (1, _("1 — very dissatisfied")),
    # Translators: 不满意
    (2, _("2 — dissatisfied")),
    # Translators: 基本满意
    (3, _("3 — fairly satisfied")),
    # Translators: 满意
    (4, _("4 — satisfied")),
    # Translators: 非常满意
    (5, _("5 — very satisfied")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked by tickets.uploads (size, type by the bytes)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at a time.") % {"n": MAX_FILES})
        checked = []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                check_upload(upload)
            except (Invalid, TooLarge) as error:
                # Translators: a file's name and why it was refused
                raise forms.ValidationError(
                    _("%(name)s: %(error)s") % {"name": upload.name, "error": error.message}
                ) from None
            checked.append(upload)
        return checked


def service_item_choices() -> list[tuple[str, Any]]:
    """Active catalogue entries grouped by department (one window, every department)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in service_item_list().filter(is_active=True).order_by("department__name", "name"):
        groups.setdefault(item.department.name, []).append((item.code, item.name))
    return [("", _("— choose a service —")), *groups.items()]


class TicketCreateForm(forms.Form):
    service_item = forms.ChoiceField(label=_("Service"), choices=())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=20000, widget=forms.Textarea)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.HELP)
    # the enterprise's own form: urgency is the staff's decision (it pages them by SMS)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[(value, label) for value, label in Priority.choices if value != Priority.URGENT],
        initial=Priority.NORMAL,
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 5 files: PDF, images, Word, Excel, PowerPoint or plain text."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].choices = service_item_choices()  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        return str(self.cleaned_data["title"]).strip()

    def clean_service_item(self) -> ServiceItem:
        code = self.cleaned_data["service_item"]
        item = ServiceItem.objects.filter(code=code, is_active=True).first()
        if item is None:
            raise forms.ValidationError(_("Choose a service from the list."))
        return item


ENTERPRISE_SELECT_MAX = 200  # a scope this small is a select; a larger one a typed id or credit code
CREDIT_CODE_LENGTH = 18
ID_MAX_DIGITS = 12


class EnterpriseField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An enterprise of the caller's scope (the queryset), by its id (the select's value) or,
    typed, by its unified social credit code. Anything else, in scope or not, is "No such
    enterprise." (the service's words: an enterprise outside the scope is never told apart)."""

    default_error_messages = {"invalid_choice": _("No such enterprise.")}

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip().upper()
        lookup: dict[str, Any] = {}
        if len(text) == CREDIT_CODE_LENGTH:
            lookup = {"credit_code": text}
        elif text.isdigit() and len(text) <= ID_MAX_DIGITS:
            lookup = {"pk": int(text)}
        found = self.queryset.filter(**lookup).first() if lookup and self.queryset is not None else None
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.credit_code})"


# 代办 on the web: the channels an officer files through (online is the enterprise's own)
PROXY_CHANNELS = [(Channel.PROXY, Channel.PROXY.label), (Channel.VISIT, Channel.VISIT.label)]


class TicketFileForForm(TicketCreateForm):
    """The portal's form with the enterprise filed for and the channel (代办). The enterprise
    list is the caller's scope (`enterprise_list_for`); the service checks it again."""

    enterprise = EnterpriseField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    channel = forms.ChoiceField(
        label=_("How the request came in"), choices=PROXY_CHANNELS, initial=Channel.PROXY, widget=forms.RadioSelect
    )

    field_order = ["enterprise", "channel"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        assert isinstance(field, EnterpriseField)  # noqa: S101  declared above
        field.queryset = enterprise_list_for(user).order_by("name", "pk")
        if field.queryset.count() > ENTERPRISE_SELECT_MAX:
            field.widget = forms.TextInput(attrs={"maxlength": CREDIT_CODE_LENGTH, "autocomplete": "off"})
            field.help_text = _("Type the enterprise's unified social credit code (18 characters) or its number.")
        else:
            field.empty_label = _("— choose an enterprise —")


def _checked(upload: UploadedFile | None) -> UploadedFile | None:
    """An upload the desk accepts (type and size: tickets.services.check_upload), or a field error."""
    if upload is None:
        return None
    try:
        check_upload(upload)
    except (Invalid, TooLarge) as error:
        raise forms.ValidationError(error.message) from None
    return upload


class BodyForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea)


class WithFileForm(forms.Form):
    """A message and, if chosen, one file sent with it: both are written or neither."""

    file = forms.FileField(label=_("File"), required=False)

    def clean_file(self) -> UploadedFile | None:
        return _checked(self.cleaned_data.get("file"))


class NoteForm(WithFileForm):
    body = forms.CharField(label=_("Internal note"), max_length=20000, widget=forms.Textarea)
    field_order = ["body", "file"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoInputForm(forms.Form):
    pass


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("How it was resolved"), max_length=20000, widget=forms.Textarea)


class RateForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def officers_for_transfer(user: User, ticket: Ticket) -> Any:
    """Active officers a ticket may go to: the handling department's first, then the others'."""
    qs = User.objects.filter(role=User.Role.OFFICER, is_active=True, on_leave=False, department__isnull=False)
    if ticket.assignee_id is not None:
        qs = qs.exclude(pk=ticket.assignee_id)
    qs = qs.select_related("department")
    if user.role == User.Role.MANAGER and user.park_id:
        qs = qs.filter(Q(department__park_id=user.park_id) | Q(department__park__isnull=True))
    colleagues_first = Case(When(department_id=ticket.department_id, then=Value(0)), default=Value(1))
    return qs.order_by(colleagues_first, "department__name", "display_name", "username")


class TransferForm(forms.Form):
    to_officer = forms.ModelChoiceField(
        label=_("To an officer"), queryset=User.objects.none(), required=False, empty_label=_("—")
    )
    to_department = forms.ModelChoiceField(
        label=_("Or to a department"), queryset=Department.objects.none(), required=False, empty_label=_("—")
    )
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: User, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = officers_for_transfer(user, ticket)
        field: Any = self.fields["to_officer"]
        field.queryset = officers
        field.label_from_instance = lambda o: f"{o} ({o.department})"
        self.fields["to_department"].queryset = department_list().order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("to_officer")) == bool(data.get("to_department")):
            self.add_error("to_officer", _("Choose an officer or a department (one of the two)."))
        return data


class AssistForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department asked to help"), queryset=Department.objects.none())
    request = forms.CharField(label=_("What you need"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = department_list().exclude(pk=ticket.department_id).order_by("name")
        self.fields["department"].queryset = qs  # type: ignore[attr-defined]


class ExtendForm(forms.Form):
    new_resolve_due_at = forms.DateTimeField(
        label=_("New resolution deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_new_resolve_due_at(self) -> Any:
        value = self.cleaned_data["new_resolve_due_at"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)


class ExtensionDecisionForm(forms.Form):
    DECISIONS = [("approve", _("Approve")), ("reject", _("Reject"))]
    extension = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (required to reject)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not str(data.get("reason", "")).strip():
            self.add_error("reason", _("Say why the extension is rejected."))
        return data


class ReviewRatingForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=ReviewVerdict.choices, widget=forms.RadioSelect)
    is_reasonable = forms.NullBooleanField(label=_("Is the complaint reasonable?"), required=False)
    is_true = forms.NullBooleanField(label=_("Is it true to the facts?"), required=False)
    is_malicious = forms.NullBooleanField(label=_("Is it malicious?"), required=False)
    reason = forms.CharField(
        label=_("Reason (required to dismiss)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verdict") == ReviewVerdict.DISMISSED and not str(data.get("reason", "")).strip():
            self.add_error("reason", _("Say why the bad review is dismissed."))
        return data


class ReturnVisitForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=ReturnVisitMethod.choices)
    result = forms.CharField(label=_("What the enterprise said"), max_length=5000, widget=forms.Textarea)
    satisfied = forms.TypedChoiceField(
        label=_("Satisfied now?"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class PraiseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PraiseKind.choices)
    note = forms.CharField(label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    file = forms.FileField(label=_("File"))
    public = forms.BooleanField(label=_("Visible to the enterprise"), required=False, initial=True)

    def clean_file(self) -> UploadedFile | None:
        return _checked(self.cleaned_data["file"])


class LinkForm(forms.Form):
    ticket = forms.CharField(
        label=_("Related ticket (number)"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SD-2026-000123"}),
    )


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Primary ticket (number)"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SD-2026-000123"}),
        help_text=_("This ticket closes as its duplicate; its enterprise is told and follows the primary's replies."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeHereForm(forms.Form):
    """ "Merge into this" on the similar-tickets panel: the duplicate is the candidate."""

    duplicate = forms.CharField(max_length=20, widget=forms.HiddenInput)
