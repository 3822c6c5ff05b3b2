"""Canned replies (回复模板) in the ticket page's reply box: a select of the officer's own and
their department's replies; choosing one fills the message box with the reply filled in for
the ticket (htmx swaps the textarea; each fill counts a use)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from replies import services as replies
from servicedesk.errors import Forbidden, NotFound
from servicedesk.models import User
from tickets import selectors
from tickets.models import Ticket

from ..work.common import actor
from .forms import BodyForm, WithFileForm

PREFIX = "reply"


class ReplyForm(BodyForm, WithFileForm):
    """The reply box, with the canned replies to start from (staff only), and a file to send
    with the reply. The choice only fills the box: it is not part of what is sent."""

    canned = forms.TypedChoiceField(label=_("Canned reply"), required=False, coerce=int, empty_value=None)
    field_order = ["canned", "body", "file"]

    def __init__(self, *args: Any, user: User, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = list(replies.reply_list_for(user).order_by("title", "id").values_list("pk", "title"))
        if not choices:
            del self.fields["canned"]
            return
        field = self.fields["canned"]
        field.choices = [("", gettext("— start from a canned reply —")), *choices]  # type: ignore[attr-defined]
        field.widget.attrs.update(
            {
                "hx-get": reverse("ticket-canned-reply", kwargs={"number": ticket.number}),
                "hx-target": f"#id_{self.prefix}-body" if self.prefix else "#id_body",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data.pop("canned", None)
        return data


def reply_form(*args: Any, user: User, ticket: Ticket, **kwargs: Any) -> forms.Form:
    return ReplyForm(*args, user=user, ticket=ticket, **kwargs)


@login_required
@require_safe
def canned_reply_fill(request: HttpRequest, number: str) -> HttpResponse:
    """The message box filled with a canned reply for this ticket (an htmx fragment); nothing
    (204) when no reply was chosen."""
    user = actor(request)
    ticket = selectors.ticket_list_for(user).filter(number=number).first()
    if ticket is None:
        raise Http404(gettext("No such ticket."))
    raw = request.GET.get(f"{PREFIX}-canned", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return HttpResponse(status=204)
    try:
        text = replies.reply_render(actor=user, reply_id=int(raw), ticket_id=ticket.pk)
    except (NotFound, Forbidden):
        raise Http404(gettext("No such canned reply.")) from None
    box = BodyForm(prefix=PREFIX, initial={"body": text})["body"]
    return HttpResponse(str(box))
