"""Django admin for staff: notifications, read-only (they record what people were told);
conversations, messages with their files, blocks and reports."""

from django.contrib import admin

from headstrt.messaging.models import (
    Attachment,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    Notification,
)


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


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ("name", "content_type", "size", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages as written (staff decide reports on the report queue, which hides them)."""

    list_display = ("public_id", "author", "conversation", "created_at", "hidden_at")
    search_fields = ("public_id", "author__email", "conversation__public_id")
    list_select_related = ("author", "conversation")
    raw_id_fields = ("author", "conversation")
    readonly_fields = ("public_id", "conversation", "author", "body", "created_at")
    inlines = [AttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False


class MemberInline(admin.TabularInline):
    model = ConversationMember
    fields = ("person", "active", "last_read_message_id", "emailed_at", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Conversations, read-only: who takes part follows the engagement."""

    list_display = ("public_id", "booking", "panel", "request", "dispute", "last_message_at")
    search_fields = ("public_id",)
    readonly_fields = [field.name for field in Conversation._meta.fields]
    inlines = [MemberInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    raw_id_fields = ("blocker", "blocked")
    search_fields = ("blocker__email", "blocked__email")


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin):
    list_display = ("public_id", "message", "reporter", "created_at", "resolved_at", "upheld")
    list_filter = ("upheld",)
    list_select_related = ("message", "reporter")
    raw_id_fields = ("message", "reporter", "resolved_by")
    readonly_fields = ("public_id", "message", "reporter", "reason", "created_at")
