"""Calendars: the private feed calendar apps subscribe to, and the page that manages it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from headstrt.scheduling import selectors, services
from headstrt.scheduling.calendar import calendar_feed_of, calendar_feed_url, person_feed
from headstrt.scheduling.services.calendar_feeds import calendar_feed_token_hash


@require_GET
def calendar_feed(request, token: str):
    """A person's sessions as iCalendar, for the calendar app that knows the secret address.

    No sign-in: calendar apps cannot sign in, so the address itself is the credential.
    """
    owner = selectors.calendar_feed_owner(token_hash=calendar_feed_token_hash(token))
    if owner is None or not owner.is_active:
        raise Http404("No such calendar.")
    response = HttpResponse(person_feed(owner), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="headstrt.ics"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True)
    return response


@login_required
@never_cache
def calendar_settings(request):
    """Create, replace or stop the person's calendar feed; a new address is shown once."""
    url = None
    if request.method == "POST":
        token = services.calendar_feed_create(user=request.user)
        url = calendar_feed_url(token)
    feed = calendar_feed_of(request.user)
    return render(
        request,
        "web/me/calendar.html",
        {
            "feed": feed,
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
        },
    )


@login_required
@require_POST
def calendar_feed_stop(request):
    """Stop the person's calendar feed; calendar apps subscribed to it stop updating."""
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, "Your calendar feed is stopped; its address no longer works.")
    return redirect("web:calendar_settings")
