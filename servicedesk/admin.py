from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, Department, Enterprise, Park, ServiceItem, User, WorkCalendar, Zone

admin.site.site_header = _("Park Service Desk administration")
admin.site.site_title = _("Park Service Desk")


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin[Zone]):
    list_display = ["name", "name_en", "code"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin[Park]):
    list_display = ["name", "name_en", "code", "zone"]
    list_filter = ["zone"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name", "name_en", "code", "park", "zone"]
    list_filter = ["zone", "park"]
    search_fields = ["name", "name_en", "code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "department", "park", "enterprise", "on_leave", "is_active"]
    list_filter = ["role", "on_leave", "is_active", "department", "park"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "phone"]
    autocomplete_fields = ["enterprise", "deputy"]
    list_select_related = ["department", "park", "enterprise"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Role and scope"),
            {
                "fields": (
                    "role",
                    "display_name",
                    "phone",
                    "language",
                    "enterprise",
                    "department",
                    "park",
                    "on_leave",
                    "deputy",
                )
            },
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "enterprise", "department", "park")}),
    )


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin[Enterprise]):
    list_display = ["name", "credit_code", "park", "chief_officer", "deputy_officer", "industry"]
    list_filter = ["park", "industry"]
    search_fields = ["name", "credit_code", "contact_name"]
    autocomplete_fields = ["chief_officer", "deputy_officer"]
    list_select_related = ["park", "chief_officer", "deputy_officer"]


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin[ServiceItem]):
    list_display = ["code", "name", "department", "accept_limit", "resolve_limit", "clock", "is_active"]
    list_filter = ["department", "clock", "is_active"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["department"]


class CalendarDayInline(admin.TabularInline[CalendarDay, WorkCalendar]):
    model = CalendarDay
    extra = 0
    ordering = ["-date"]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin[WorkCalendar]):
    list_display = ["name", "timezone", "working_weekdays", "working_hours", "is_default"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["date", "kind", "name", "source", "calendar"]
    list_filter = ["kind", "source", "calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"
    actions = ["mark_holiday", "mark_workday"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: object, change: bool) -> None:
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark as holiday"))
    def mark_holiday(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        n = queryset.update(kind=CalendarDay.Kind.HOLIDAY, source=CalendarDay.Source.ADMIN)
        self.message_user(request, _("%(n)d days marked as holidays.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Mark as make-up working day"))
    def mark_workday(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        n = queryset.update(kind=CalendarDay.Kind.WORKDAY, source=CalendarDay.Source.ADMIN)
        self.message_user(request, _("%(n)d days marked as make-up working days.") % {"n": n}, messages.SUCCESS)
