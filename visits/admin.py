from __future__ import annotations

from django.contrib import admin

from .models import Visit, VisitProblem


class VisitProblemInline(admin.TabularInline[VisitProblem, Visit]):
    model = VisitProblem
    extra = 0
    fields = ["description", "ticket"]
    raw_id_fields = ["ticket"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin[Visit]):
    list_display = ["visited_at", "enterprise", "officer", "method"]
    list_filter = ["method"]
    search_fields = ["enterprise__name", "summary"]
    list_select_related = ["enterprise", "officer"]
    date_hierarchy = "visited_at"
    raw_id_fields = ["enterprise", "officer"]
    inlines = [VisitProblemInline]
