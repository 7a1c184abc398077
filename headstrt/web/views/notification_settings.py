"""Email preferences per kind of notification, and the one-click unsubscribe link of every
email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from headstrt.core.errors import DomainError
from headstrt.messaging.preferences import (
    CATEGORIES,
    email_choices,
    email_preference_set,
    email_preferences_set,
    email_wanted,
)
from headstrt.messaging.unsubscribe import unsubscribe_token_read

RESUBSCRIBE = "resubscribe"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    """A checkbox per category of notification: ticked ones are emailed too."""
    error = None
    if request.method == "POST":
        ticked = request.POST.getlist("email")
        # Every category the form offers is either ticked or not; anything else ticked is
        # passed on so the service can refuse it by name.
        choices = {
            category.key: category.key in ticked for category in CATEGORIES if not category.always
        } | dict.fromkeys(ticked, True)
        try:
            email_preferences_set(user=request.user, choices=choices)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, "Your email preferences are saved.")
            return redirect("web:notification_settings")
    return render(
        request,
        "web/notifications/settings.html",
        {"choices": email_choices(user=request.user), "error": error},
        status=400 if error else 200,
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """The link in every email: GET asks to confirm (mail scanners open links, so it changes
    nothing); POST turns that category's email off, or back on with ``action=resubscribe``.

    No sign-in and no CSRF token: mail clients POST here on their own (RFC 8058) and the
    signed token is the proof.
    """
    try:
        person, category = unsubscribe_token_read(token)
    except DomainError as refused:
        response = render(
            request,
            "web/notifications/unsubscribe_invalid.html",
            {"message": refused.message},
            status=400,
        )
    else:
        done = request.method == "POST"
        if done:
            email = request.POST.get("action") == RESUBSCRIBE
            email_preference_set(user=person, category=category, email=email)
        else:
            email = email_wanted(user=person, category=category)
        response = render(
            request,
            "web/notifications/unsubscribe.html",
            {"category": category, "email": email, "done": done, "resubscribe": RESUBSCRIBE},
        )
    response["X-Robots-Tag"] = "noindex"
    # The address is a credential: never pass it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


routes = [
    path("me/notifications/", notification_settings, name="notification_settings"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
