"""The knowledge base's forms: they parse; knowledge.articles makes the change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.models import ServiceItem
from servicedesk.selectors import service_item_list


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Plain text; blank lines separate paragraphs."),
    )
    title_en = forms.CharField(label=_("English title"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("English text"), max_length=50000, required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    service_item = forms.ModelChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none(), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["service_item"].queryset = service_item_list().filter(is_active=True)  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
