"""The inbox page: the signed-in user's own notifications (unread first, or newest first),
mark one read (htmx swaps the row), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from notifications import services
from notifications.models import Notification, NotificationChannel
from servicedesk.models import User

PAGE_SIZE = 25
ORDERS = ("unread", "newest")


def inbox_list_for(user: User, *, order: str = "unread") -> QuerySet[Notification]:
    """The user's own inbox rows (never anyone else's); each names its ticket's number itself
    (`topic_label`), so the page joins nothing."""
    rows = Notification.objects.filter(recipient_id=user.pk, channel=NotificationChannel.INBOX)
    if order == "unread":
        return rows.order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    return rows.order_by("-created_at", "-id")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  login_required ran before
    return request.user


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    order = request.GET.get("order", "unread")
    if order not in ORDERS:
        order = "unread"
    page = Paginator(inbox_list_for(_user(request), order=order), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "notifications/inbox.html", {"page_obj": page, "notifications": page.object_list, "order": order}
    )


@require_POST
@login_required
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponseBase:
    """Mark one of your own rows read: htmx gets the row back, a plain form the inbox."""
    try:
        services.notification_mark_read(notification_id=notification_id, user=_user(request))
    except Notification.DoesNotExist:
        raise Http404 from None
    if getattr(request, "htmx", False):
        row = inbox_list_for(_user(request)).get(pk=notification_id)
        # the row, and the nav's unread badge swapped out of band
        return render(request, "notifications/_row.html", {"note": row, "oob_badge": True})
    return redirect("inbox")


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponseBase:
    count = services.notification_mark_all_read(user=_user(request))
    text = ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
    messages.success(request, text % {"n": count})
    return redirect("inbox")
