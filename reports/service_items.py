"""Tickets and deflections per service item (办事指南的成效): for a manager's scope and period,
how many tickets each service item received and how many times an enterprise read a guide
of it instead and said "this solved it". A guide that works shows as a high share of
deflections. Two grouped queries whatever the number of items or tickets."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from knowledge.models import Deflection
from servicedesk.models import ServiceItem, User
from servicedesk.selectors import is_admin
from tickets.models import COUNTED, Status, Ticket

from .audit import require_manager, ticket_scope
from .exports import Table
from .periods import Period


@dataclass
class ItemRow:
    code: str
    name: str
    department: str
    tickets: int = 0
    deflections: int = 0

    @property
    def deflection_rate(self) -> float | None:
        asked = self.tickets + self.deflections
        return self.deflections / asked if asked else None


def _deflection_scope(user: User) -> Q:
    """The deflections a manager answers for: their park's enterprises', their department's
    service items', or (zone managers, admins) all."""
    if is_admin(user) or (user.park_id is None and user.department_id is None):
        return Q()
    if user.park_id:
        return Q(park_id=user.park_id)
    return Q(service_item__department_id=user.department_id)


def service_item_figures(*, user: User, period: Period) -> list[ItemRow]:
    """The service items with tickets or deflections in the period, most asked first; rows
    with neither are left out (a catalogue of 20 items is mostly quiet in a week)."""
    require_manager(user)
    window = Q(created_at__gte=period.since, created_at__lt=period.until)
    tickets: dict[int | None, int] = dict(
        Ticket.objects.filter(ticket_scope(user), window, COUNTED)  # a merged pair counts once
        .exclude(status=Status.WITHDRAWN)
        .values_list("service_item_id")
        .annotate(n=Count("pk"))
        .values_list("service_item_id", "n")
    )
    deflections: dict[int | None, int] = dict(
        Deflection.objects.filter(_deflection_scope(user), window)
        .values_list("service_item_id")
        .annotate(n=Count("pk"))
        .values_list("service_item_id", "n")
    )
    ids = {pk for pk in (*tickets, *deflections) if pk is not None}
    items = ServiceItem.objects.filter(pk__in=ids).select_related("department")
    rows = [
        ItemRow(item.code, item.name, item.department.name, tickets.get(item.pk, 0), deflections.get(item.pk, 0))
        for item in items
    ]
    if None in deflections:  # read from a guide tied to no service item
        rows.append(ItemRow("", _("(no service item)"), "", 0, deflections[None]))
    rows.sort(key=lambda row: (-(row.tickets + row.deflections), row.code))
    return rows


COLUMNS = ["code", "name", "department", "tickets", "deflections", "deflection_rate"]
LABELS = {
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("Service item"),
    "department": gettext_lazy("Department"),
    "tickets": pgettext_lazy("count", "Tickets"),
    "deflections": gettext_lazy("Solved by a guide"),
    "deflection_rate": gettext_lazy("Share solved by a guide"),
}


def service_item_table(rows: list[ItemRow]) -> Table:
    return Table(
        title="service-items",
        header=COLUMNS,
        rows=[(r.code, r.name, r.department, r.tickets, r.deflections, r.deflection_rate) for r in rows],
    )
