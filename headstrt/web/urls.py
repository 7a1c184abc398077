"""Routes of the web app."""

from django.urls import path

from headstrt.web.views import me, public

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("mentors/", public.mentor_directory, name="mentor_directory"),
    path("mentors/<slug:public_id>/", public.mentor_detail, name="mentor_detail"),
    path("photos/<slug:public_id>.webp", public.photo, name="photo"),
    path("manifest.webmanifest", public.manifest, name="manifest"),
    path("me/", me.account, name="account"),
    path("me/photo/", me.photo_upload, name="photo_upload"),
    path("me/photo/remove/", me.photo_remove, name="photo_remove"),
    path("me/mentor/", me.mentor_profile, name="mentor_profile"),
    path("me/mentor/status/", me.mentor_status, name="mentor_status"),
    path("me/mentor/expertise/", me.expertise_add, name="expertise_add"),
    path(
        "me/mentor/expertise/<slug:entry_id>/remove/",
        me.expertise_remove,
        name="expertise_remove",
    ),
    path("me/mentee/", me.mentee_profile, name="mentee_profile"),
    path("me/working-style/", me.working_style, name="working_style"),
    path("me/tokens/", me.api_tokens, name="api_tokens"),
    path("me/tokens/<slug:token_id>/revoke/", me.api_token_revoke, name="api_token_revoke"),
    path("me/privacy/", me.privacy, name="privacy"),
    path("me/privacy/my-data.json", me.account_export, name="account_export"),
    path("me/delete/", me.account_delete, name="account_delete"),
]
