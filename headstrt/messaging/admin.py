"""Django admin for staff: notifications, read-only (they record what people were told)."""

from django.contrib import admin

from headstrt.messaging.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("public_id", "recipient__email", "title")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
