from django.contrib import admin

from .models import SheetDelivery, SheetSubscription


@admin.register(SheetSubscription)
class SheetSubscriptionAdmin(admin.ModelAdmin[SheetSubscription]):
    list_display = ["user", "sheet", "channel", "active", "created_at"]
    list_filter = ["sheet", "channel", "active"]
    raw_id_fields = ["user"]


@admin.register(SheetDelivery)
class SheetDeliveryAdmin(admin.ModelAdmin[SheetDelivery]):
    list_display = ["subscription", "period_start", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in SheetDelivery._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
