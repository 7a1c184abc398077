"""Routes of the web app."""

from django.urls import path

from headstrt.web.views import (
    availability,
    bookings,
    calendar,
    me,
    notifications,
    public,
    situations,
)

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("mentors/", public.mentor_directory, name="mentor_directory"),
    path("mentors/<slug:public_id>/", public.mentor_detail, name="mentor_detail"),
    path("mentors/<slug:public_id>/book/", bookings.book, name="book"),
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
    path("me/availability/", availability.availability, name="availability"),
    path(
        "me/availability/exceptions/",
        availability.availability_exception_add,
        name="availability_exception_add",
    ),
    path(
        "me/availability/exceptions/<str:day>/remove/",
        availability.availability_exception_remove,
        name="availability_exception_remove",
    ),
    path("me/availability/policy/", availability.scheduling_policy, name="scheduling_policy"),
    path("me/mentee/", me.mentee_profile, name="mentee_profile"),
    path("me/working-style/", me.working_style, name="working_style"),
    path("me/calendar/", calendar.calendar_settings, name="calendar_settings"),
    path("me/calendar/stop/", calendar.calendar_feed_stop, name="calendar_feed_stop"),
    path("me/tokens/", me.api_tokens, name="api_tokens"),
    path("me/tokens/<slug:token_id>/revoke/", me.api_token_revoke, name="api_token_revoke"),
    path("me/privacy/", me.privacy, name="privacy"),
    path("me/privacy/my-data.json", me.account_export, name="account_export"),
    path("me/delete/", me.account_delete, name="account_delete"),
    path("situations/", situations.situation_list, name="situation_list"),
    path("situations/new/", situations.situation_create, name="situation_create"),
    path("situations/shared/", situations.situations_shared, name="situations_shared"),
    path("situations/<slug:situation_id>/", situations.situation_detail, name="situation_detail"),
    path(
        "situations/<slug:situation_id>/matches/",
        situations.situation_matches,
        name="situation_matches",
    ),
    path("situations/<slug:situation_id>/edit/", situations.situation_edit, name="situation_edit"),
    path(
        "situations/<slug:situation_id>/delete/",
        situations.situation_delete,
        name="situation_delete",
    ),
    path(
        "situations/<slug:situation_id>/relax/",
        situations.situation_relax,
        name="situation_relax",
    ),
    path(
        "situations/<slug:situation_id>/share/",
        situations.situation_share,
        name="situation_share",
    ),
    path(
        "situations/<slug:situation_id>/unshare/",
        situations.situation_unshare,
        name="situation_unshare",
    ),
    path("sessions/", bookings.session_list, name="session_list"),
    path("sessions/<slug:booking_id>/", bookings.session_detail, name="session_detail"),
    path("sessions/<slug:booking_id>/checkout/", bookings.checkout, name="session_checkout"),
    path("sessions/<slug:booking_id>/accept/", bookings.session_accept, name="session_accept"),
    path("sessions/<slug:booking_id>/decline/", bookings.session_decline, name="session_decline"),
    path("sessions/<slug:booking_id>/cancel/", bookings.session_cancel, name="session_cancel"),
    path(
        "sessions/<slug:booking_id>/complete/", bookings.session_complete, name="session_complete"
    ),
    path("sessions/<slug:booking_id>/no-show/", bookings.session_no_show, name="session_no_show"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path(
        "notifications/<slug:notification_id>/",
        notifications.notification_open,
        name="notification_open",
    ),
    path("calendar/<slug:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("blocks/", situations.mentor_block, name="mentor_block"),
    path("blocks/remove/", situations.mentor_unblock, name="mentor_unblock"),
]
