"""Django admin for staff: reviews and their reports, read-only; hiding goes through the service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from headstrt.core.errors import DomainError
from headstrt.reviews import services
from headstrt.reviews.models import MAX_NOTE, Review, ReviewReport


class HideActionForm(ActionForm):
    """The admin's action bar with the reason a hide records."""

    reason = forms.CharField(
        required=False, max_length=MAX_NOTE, label="Reason (for hiding; the author reads it)"
    )


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    fields = ("reporter", "reason", "created_at", "resolution", "resolution_note", "resolved_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "stars",
        "author",
        "subject",
        "subject_party",
        "reveal_at",
        "hidden_at",
    )
    list_filter = ("subject_party", "stars")
    search_fields = ("public_id", "author__email", "subject__email", "booking__public_id")
    list_select_related = ("author", "subject")
    readonly_fields = [field.name for field in Review._meta.fields]
    inlines = [ReportInline]
    action_form = HideActionForm
    actions = ["hide_reviews"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Hide the selected reviews (give a reason)")
    def hide_reviews(self, request, queryset) -> None:
        reason = request.POST.get("reason", "")
        hidden = 0
        for review in queryset:
            try:
                services.review_hide(staff=request.user, review_id=review.public_id, reason=reason)
            except DomainError as error:
                self.message_user(request, f"{review.public_id}: {error.message}", messages.ERROR)
            else:
                hidden += 1
        if hidden:
            self.message_user(request, f"{hidden} review(s) hidden.", messages.SUCCESS)


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ("public_id", "review", "reporter", "created_at", "resolution", "resolved_at")
    list_filter = ("resolution",)
    search_fields = ("public_id", "reporter__email", "review__public_id")
    list_select_related = ("review", "reporter")
    readonly_fields = [field.name for field in ReviewReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
