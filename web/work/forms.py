"""The workspace forms: a visit with its problems and photos, and the written answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from servicedesk.errors import DomainError
from servicedesk.models import Enterprise, ServiceItem, User
from servicedesk.selectors import enterprise_list_for, service_item_list
from tickets.models import Kind, Priority
from visits.models import VisitMethod

MAX_PROBLEMS = 50
MAX_PHOTOS = 10
TEXT_MAX = 20000
REASON_MAX = 5000
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several images in one `<input type=file multiple>`; each passes the upload checks of
    attachments here, before anything is written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        from tickets.uploads import check_upload

        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        for upload in cleaned:
            try:
                content_type = check_upload(upload)
            except DomainError as error:
                # Translators: a file's name and why it was refused
                raise forms.ValidationError(
                    _("%(name)s: %(error)s") % {"name": upload.name, "error": error.message}
                ) from None
            if not content_type.startswith("image/"):
                raise forms.ValidationError(
                    _("%(name)s is not an image (JPEG, PNG, GIF, WebP).") % {"name": upload.name}
                )
        return cleaned


class VisitForm(forms.Form):
    enterprise = forms.ModelChoiceField(queryset=Enterprise.objects.none(), label=_("Enterprise"))
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    method = forms.ChoiceField(label=_("How"), choices=VisitMethod.choices, initial=VisitMethod.ON_SITE)
    people_met = forms.CharField(label=_("People met"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos"), required=False, help_text=_("Optional; images only."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  declared above
        field.queryset = enterprise_list_for(user).order_by("name")


class ProblemForm(forms.Form):
    description = forms.CharField(
        label=_("Problem found"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    to_ticket = forms.BooleanField(label=_("Turn into a ticket"), required=False)
    service_item = forms.ChoiceField(label=_("Service item"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.HELP)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args: Any, catalogue: dict[str, ServiceItem] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue if catalogue is not None else {i.code: i for i in service_item_list()}
        field = self.fields["service_item"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  declared above
        # by name, grouped by department, as the filing form shows them (never the codes)
        groups: dict[str, list[tuple[str, str]]] = {}
        for code, item in sorted(self.catalogue.items(), key=lambda pair: (pair[1].department.name, pair[1].name)):
            groups.setdefault(item.department.name, []).append((code, item.name))
        field.choices = [("", _("— choose a service —")), *groups.items()]

    def clean_service_item(self) -> ServiceItem | None:
        code = self.cleaned_data.get("service_item") or ""
        return self.catalogue.get(code) if code else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_ticket") and not data.get("service_item") and "service_item" not in self.errors:
            self.add_error("service_item", _("Choose the service item of the ticket."))
        return data


class BaseProblemFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # one query for the catalogue, shared by every row
        self.catalogue = {item.code: item for item in service_item_list().order_by("department__name", "code")}

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "catalogue": self.catalogue}


ProblemFormSet = forms.formset_factory(
    ProblemForm,
    formset=BaseProblemFormSet,
    extra=2,
    max_num=MAX_PROBLEMS,
    absolute_max=MAX_PROBLEMS,
    validate_max=True,
)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your written answer"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


class DecisionForm(forms.Form):
    DECISIONS = (("approve", _("Approve")), ("reject", _("Reject")))

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)  # the button pressed
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to reject; optional to approve."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for rejecting."))
        return data
