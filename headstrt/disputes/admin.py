"""Django admin for staff: the pool of mediators (added and paused here), and disputes with
their mediators' turns, proposals and audit log, read-only (disputes change only through
their services)."""

from django.contrib import admin
from django.db.models import Count, Q

from headstrt.disputes.models import Assignment, AuditEntry, Dispute, Mediator, Proposal


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ("user", "is_active", "live_cases", "all_cases", "created_at")
    list_filter = ("is_active",)
    search_fields = ("user__email", "user__display_name")
    raw_id_fields = ("user",)
    list_select_related = ("user",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                live=Count("assignments", filter=Q(assignments__ended_at__isnull=True)),
                total=Count("assignments"),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Who a mediator is stays fixed once they have cases; deactivate instead.
        return ("user", "created_at") if obj is not None else ("created_at",)

    @admin.display(description="Live cases", ordering="live")
    def live_cases(self, mediator: Mediator) -> int:
        return mediator.live

    @admin.display(description="All cases", ordering="total")
    def all_cases(self, mediator: Mediator) -> int:
        return mediator.total

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AssignmentInline(_ReadOnlyInline):
    model = Assignment
    fields = ("mediator", "stage", "assigned_at", "due_at", "ended_at", "end_reason")
    readonly_fields = fields


class ProposalInline(_ReadOnlyInline):
    model = Proposal
    fields = (
        "assignment",
        "remedy",
        "mentor_percent",
        "reasons",
        "created_at",
        "mentor_accepted_at",
        "mentee_accepted_at",
    )
    readonly_fields = fields


class AuditInline(_ReadOnlyInline):
    model = AuditEntry
    fields = ("created_at", "actor", "action", "detail")
    readonly_fields = fields
    ordering = ("created_at", "id")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "status",
        "reason",
        "opener",
        "respondent",
        "deadline",
        "resolution",
        "mentor_percent",
        "resolved_by_default",
        "created_at",
    )
    list_filter = ("status", "reason", "resolution", "resolved_by_default")
    search_fields = ("public_id", "booking__public_id", "opener__email", "respondent__email")
    list_select_related = ("opener", "respondent")
    readonly_fields = [field.name for field in Dispute._meta.fields]
    inlines = [AssignmentInline, ProposalInline, AuditInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
