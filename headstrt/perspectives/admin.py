"""Django admin for staff: questions sent for written perspectives, with their asks, offers
and follow-ups, read-only (they change only through their services, which move money)."""

from django.contrib import admin

from headstrt.perspectives.models import (
    FollowUp,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)


class _ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AskInline(_ReadOnly, admin.TabularInline):
    model = PerspectiveAsk
    extra = 0
    fields = ("public_id", "mentor", "status", "price_minor", "currency", "due_at", "helpful")
    readonly_fields = fields


class OfferInline(_ReadOnly, admin.TabularInline):
    model = PerspectiveOffer
    extra = 0
    fields = ("public_id", "mentor", "price_minor", "currency", "created_at")
    readonly_fields = fields


@admin.register(PerspectiveRequest)
class PerspectiveRequestAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "public_id",
        "heading",
        "mentee",
        "open",
        "anonymous",
        "created_at",
        "closed_at",
    )
    list_filter = ("open", "anonymous", "area")
    search_fields = ("public_id", "title", "mentee__email")
    list_select_related = ("mentee",)
    readonly_fields = [field.name for field in PerspectiveRequest._meta.fields]
    inlines = [AskInline, OfferInline]


class FollowUpInline(_ReadOnly, admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ("author", "text", "created_at")
    readonly_fields = fields


@admin.register(PerspectiveAsk)
class PerspectiveAskAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("public_id", "request", "mentor", "status", "price_minor", "currency", "due_at")
    list_filter = ("status",)
    search_fields = ("public_id", "request__public_id", "mentor__user__email")
    list_select_related = ("request", "mentor__user")
    readonly_fields = [field.name for field in PerspectiveAsk._meta.fields]
    inlines = [FollowUpInline]
