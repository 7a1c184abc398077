"""Django admin for staff: people, profiles, the expertise taxonomy, languages and API tokens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from headstrt.accounts import services
from headstrt.accounts.models import (
    ApiToken,
    ExpertiseEntry,
    Language,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    Topic,
    User,
    WorkingStyle,
)
from headstrt.accounts.search_text import mentor_search_text_refresh


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "display_name", "time_zone", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "display_name", "public_id")
    ordering = ("email",)
    readonly_fields = ("public_id", "photo", "date_joined", "last_login")
    filter_horizontal = ("languages", "groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Profile", {"fields": ("display_name", "time_zone", "languages", "photo")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "display_name" in form.changed_data:  # a mentor is found by their name
            mentor_search_text_refresh(MentorProfile.objects.filter(user=obj))

    def delete_model(self, request, obj):
        services.account_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.account_delete(user=user)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "area")
    list_filter = ("area",)
    search_fields = ("name", "slug", "description")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "name" in form.changed_data:  # mentors are found by their topics' names
            mentor_search_text_refresh(MentorProfile.objects.filter(expertise__topic=obj))


class SessionOfferInline(admin.TabularInline):
    model = SessionOffer
    extra = 0


class ExpertiseEntryInline(admin.StackedInline):
    model = ExpertiseEntry
    extra = 0
    autocomplete_fields = ("topic",)


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "headline", "currency", "weekly_capacity", "is_active", "created_at")
    list_filter = ("is_active", "currency")
    search_fields = ("user__email", "user__display_name", "headline")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    inlines = (SessionOfferInline, ExpertiseEntryInline)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The profile and its expertise are saved: the search text follows them.
        mentor_search_text_refresh(MentorProfile.objects.filter(pk=form.instance.pk))


@admin.register(MenteeProfile)
class MenteeProfileAdmin(admin.ModelAdmin):
    list_display = ("user",)
    search_fields = ("user__email", "user__display_name")
    autocomplete_fields = ("user", "interests")
    list_select_related = ("user",)


@admin.register(WorkingStyle)
class WorkingStyleAdmin(admin.ModelAdmin):
    list_display = ("user", "communication", "directness", "pace")
    search_fields = ("user__email", "user__display_name")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (the key is shown to them once); staff can revoke."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    fields = ("public_id", "user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            services.api_token_revoke(user=token.user, token_id=token.public_id)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")
