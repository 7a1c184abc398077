"""Notifications: what a person was told, newest first; open one, or mark all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from headstrt.core.errors import NotFound
from headstrt.messaging import selectors, services
from headstrt.web.paging import requested_page


@login_required
def notification_list(request):
    """The person's notifications, unread ones marked, with a button to mark all read."""
    page = requested_page(request, selectors.notifications_for_user(user=request.user))
    return render(request, "web/notifications/list.html", {"page": page})


@login_required
def notification_open(request, notification_id: str):
    """Mark one notification read and go where it points (or back to the list)."""
    try:
        notification = selectors.notification_get_for_recipient(
            notification_id=notification_id, user=request.user
        )
        services.notifications_mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404("No such notification.") from None
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("web:notifications")


@login_required
@require_POST
def notifications_read(request):
    """Mark every notification of the person read."""
    marked = services.notifications_mark_read(user=request.user)
    if marked:
        messages.success(request, "All your notifications are marked as read.")
    return redirect("web:notifications")
