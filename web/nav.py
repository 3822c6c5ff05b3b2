"""The navigation bar, by role: a context processor that reverses the pages that exist.

Each role's jobs are one click away: the everyday pages stand alone, the rest sit in a few
groups (Work · Reports) that open in place (a <details>, no script)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from servicedesk.models import User

Item = tuple[str, Any]  # (url name, label)
Group = tuple[Any, list[Item]]  # (label, items); a group labelled None is its items, in line

_WORK_OFFICER: list[Item] = [
    ("work-file", _("File for an enterprise")),
    ("work-assists", _("Assist requests")),
    ("work-extensions", _("My extension requests")),
    ("work-supervision", _("Supervision orders")),
    ("work-visits", _("Visits")),
]
_WORK_MANAGER: list[Item] = [
    ("work-file", _("File for an enterprise")),
    ("work-extensions", _("Extensions")),
    ("work-assists", _("Assist requests")),
    ("work-supervision", _("Supervision orders")),
    ("work-visits", _("Visits")),
]
_REPORTS: list[Item] = [
    ("reports-dispatch", _("Weekly dispatch")),
    ("reports-ranking", _("Monthly ranking")),
    ("reports-bulletin", _("Quarterly bulletin")),
    ("reports-hotspots", _("Hotspots")),
    ("reports-service-items", _("Guides and tickets")),
]

# Per role; a page that is not wired (yet) is left out, not a broken link.
NAV: dict[str, list[Group]] = {
    User.Role.ENTERPRISE: [
        (
            None,
            [
                ("portal-home", _("My tickets")),
                ("portal-new", _("File a ticket")),
                ("guides", _("Guides")),
                ("policies", _("Policies")),
                ("inbox", _("Inbox")),
            ],
        ),
    ],
    User.Role.OFFICER: [
        (None, [("work-queue", _("My queue"))]),
        (_("Work"), _WORK_OFFICER),
        (None, [("guides", _("Guides")), ("policies", _("Policies")), ("inbox", _("Inbox"))]),
    ],
    User.Role.MANAGER: [
        (None, [("dashboard", _("Dashboard")), ("work-queue", _("Tickets"))]),
        (_("Work"), _WORK_MANAGER),
        (_("Reports"), _REPORTS),
        (None, [("guides", _("Guides")), ("policies", _("Policies")), ("inbox", _("Inbox"))]),
    ],
}
NAV[User.Role.ADMIN] = NAV[User.Role.MANAGER]


def _reversed(items: list[Item]) -> list[dict[str, Any]]:
    out = []
    for name, label in items:
        try:
            out.append({"url": reverse(name), "label": label, "active": False})
        except NoReverseMatch:
            continue
    return out


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_groups`: [{"label": … or None, "items": [{"url", "label", "active"}], "active"}];
    `nav_items`: every item, in order."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"nav_items": [], "nav_groups": []}
    groups: list[dict[str, Any]] = []
    for label, group_items in NAV.get(user.effective_role, []):
        links = _reversed(group_items)
        if links:
            groups.append({"label": label, "items": links, "active": False})
    items: list[dict[str, Any]] = [item for group in groups for item in group["items"]]
    # the page's own item: the longest link the path starts with (/work/file/ is "File for an
    # enterprise", not also "My queue" at /work/)
    current = max(
        (item for item in items if request.path.startswith(item["url"])), key=lambda i: len(i["url"]), default=None
    )
    if current is not None:
        current["active"] = True
        for group in groups:
            group["active"] = any(item is current for item in group["items"])
    return {"nav_items": items, "nav_groups": groups}


# Django's forms end each label with gettext(":"), which Django's own Chinese catalogue leaves
# as an ASCII colon; naming it here puts it in ours, where it becomes the full-width "：".
LABEL_SUFFIX = _(":")
