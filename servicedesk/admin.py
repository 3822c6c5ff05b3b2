from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from . import services
from .calendar import (
    CSV_MAX_BYTES,
    CalendarCSVError,
    DayEntry,
    calendar_days_upsert,
    decode_calendar_csv,
    default_calendar,
    parse_calendar_csv,
)
from .models import ApiToken, CalendarDay, Department, Enterprise, Park, ServiceItem, User, WorkCalendar, Zone

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

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):  # changed
            user = self.get_object(request, unquote(id))
            if user is not None:
                services.password_changed(user=user)  # the user's API tokens stop working
        return response


# DRF's token table is left only for migration 0005, which moved its keys to ApiToken.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """API tokens: seen and revoked here, issued only to their owner (POST /api/v1/auth/token/)."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "prefix", "name", "created_at", "last_used_at", "expires_at"]
    exclude = ["digest"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


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


class CalendarCSVImportForm(forms.Form):
    """A CSV file of rows `date,kind,name`; cleaning parses it, so every error is a form error."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Rows date,kind,name — kind is holiday or workday (or 休 / 班); a header row is optional. "
            "UTF-8 or GB18030, at most 1 MB."
        ),
    )
    calendar = forms.ModelChoiceField(
        label=_("calendar"),
        queryset=WorkCalendar.objects.all(),
        required=False,
        empty_label=_("the default calendar"),
    )

    def clean_file(self) -> list[DayEntry]:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        data = upload.read(CSV_MAX_BYTES + 1)
        if len(data) > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            entries = parse_calendar_csv(decode_calendar_csv(data))
        except CalendarCSVError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not entries:
            raise forms.ValidationError(_("The file has no calendar rows."))
        return entries


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

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import_csv",
            )
        ]
        return custom + super().get_urls()  # before the catch-all <path:object_id>/ patterns

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Importing creates days and overwrites the ones already there.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = CalendarCSVImportForm(request.POST, request.FILES)
            if form.is_valid():
                entries: list[DayEntry] = form.cleaned_data["file"]
                with transaction.atomic():
                    calendar = form.cleaned_data["calendar"] or default_calendar()
                    result = calendar_days_upsert(calendar=calendar, entries=entries, source=CalendarDay.Source.CSV)
                self.message_user(
                    request,
                    gettext("Imported %(n)d days into “%(calendar)s”: %(created)d created, %(updated)d updated.")
                    % {"n": len(entries), "calendar": calendar, "created": result.created, "updated": result.updated},
                    messages.SUCCESS,
                )
                changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
                return HttpResponseRedirect(reverse(changelist, current_app=self.admin_site.name))
        else:
            form = CalendarCSVImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import calendar days from CSV"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/servicedesk/calendarday/import_csv.html", context)
