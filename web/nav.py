"""The navigation bar, by role: a context processor that reverses the pages that exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from servicedesk.models import User

# (url name, label) per role; a page that is not wired (yet) is left out, not a broken link.
NAV: dict[str, list[tuple[str, Any]]] = {
    User.Role.ENTERPRISE: [
        ("portal-home", _("My tickets")),
        ("portal-new", _("File a ticket")),
        ("guides", _("Guides")),
        ("policies", _("Policies")),
        ("inbox", _("Inbox")),
    ],
    User.Role.OFFICER: [
        ("work-queue", _("My queue")),
        ("work-file", _("File for an enterprise")),
        ("work-visits", _("Visits")),
        ("work-supervision", _("Supervision orders")),
        ("guides", _("Guides")),
        ("policies", _("Policies")),
        ("inbox", _("Inbox")),
    ],
    User.Role.MANAGER: [
        ("dashboard", _("Dashboard")),
        ("work-queue", _("Tickets")),
        ("work-file", _("File for an enterprise")),
        ("reports-dispatch", _("Weekly dispatch")),
        ("reports-ranking", _("Monthly ranking")),
        ("reports-bulletin", _("Quarterly bulletin")),
        ("work-extensions", _("Extensions")),
        ("work-supervision", _("Supervision orders")),
        ("work-visits", _("Visits")),
        ("guides", _("Guides")),
        ("policies", _("Policies")),
        ("inbox", _("Inbox")),
    ],
}
NAV[User.Role.ADMIN] = NAV[User.Role.MANAGER]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"nav_items": []}
    items = []
    for name, label in NAV.get(user.effective_role, []):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": False})
    # the page's own item: the longest link the path starts with (/work/file/ is "File for an
    # enterprise", not also "My queue" at /work/)
    current = max(
        (item for item in items if request.path.startswith(item["url"])), key=lambda i: len(i["url"]), default=None
    )
    if current is not None:
        current["active"] = True
    return {"nav_items": items}


# Django's forms end each label with gettext(":"), which Django's own Chinese catalogue leaves
# as an ASCII colon; naming it here puts it in ours, where it becomes the full-width "：".
LABEL_SUFFIX = _(":")
