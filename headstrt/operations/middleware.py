"""The first middleware: gives each request an id, times it, counts it in the metrics and
writes one access line; answers the health and metrics endpoints itself."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from headstrt.operations.logs import path_for_log, request_id_var
from headstrt.operations.metrics import request_metrics
from headstrt.operations.urls import urlpatterns as operations_urlpatterns

access_logger = logging.getLogger("headstrt.access")
logger = logging.getLogger(__name__)

# An id a proxy or client sends is kept only if it cannot garble a log line or a header.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# Probes and scrapes come every few seconds: their access lines are DEBUG, not INFO
# (a scrape refused, 401 or 404, is INFO: someone without the token is asking).
QUIET_ROUTES = frozenset({"healthz", "readyz", "metrics"})


class RequestMiddleware:
    """Request id, access line and request metrics for every request, static files and
    probes included (so it comes first in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.metrics = request_metrics()
        self.metrics_failed = False
        # Answered here, before host validation, the SSL redirect and sessions (see views).
        self.operations = {
            f"/{pattern.pattern}": (
                str(pattern.pattern),
                convert_exception_to_response(pattern.callback),
            )
            for pattern in operations_urlpatterns
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if VALID_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        # Also on the request: Django logs a 4xx/5xx answer after this method has returned.
        request.request_id = request_id
        context = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            self._record(self.metrics.in_progress.inc)
            try:
                route, view = self.operations.get(request.path_info, (None, self.get_response))
                response = view(request)
            finally:
                self._record(self.metrics.in_progress.dec)
            response["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            route = route or _route(request)
            self._record(
                self.metrics.request_answered,
                method=request.method or "",
                route=route,
                status=response.status_code,
                seconds=seconds,
            )
            _access_log(request, response, route, seconds)
            return response
        finally:
            request_id_var.reset(context)

    def _record(self, record: Callable[..., None], **figures: object) -> None:
        """Record a figure; a metrics folder gone or full costs the figure, never the
        answer (logged once per process, not on every request)."""
        try:
            record(**figures)
        except Exception:
            if not self.metrics_failed:
                self.metrics_failed = True
                logger.exception("Request metrics could not be recorded; answering without.")


def _route(request: HttpRequest) -> str:
    """The URL pattern that answered, e.g. ``mentors/<slug:public_id>/`` (``/`` for the home
    page); ``static`` for static files (served before URL resolution); ``unmatched`` when no
    pattern matched or a middleware answered first (a redirect)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.route or "/"  # the home page's pattern is empty
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def _access_log(request: HttpRequest, response: HttpResponse, route: str, seconds: float):
    status = response.status_code
    path = path_for_log(request)
    duration_ms = round(seconds * 1000, 2)
    quiet = route in QUIET_ROUTES and (route != "metrics" or 200 <= status < 300)
    access_logger.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %s %.1fms",
        request.method,
        path,
        status,
        duration_ms,
        extra={
            "method": request.method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user": _user_public_id(request),
        },
    )


def _user_public_id(request: HttpRequest) -> str | None:
    """Who made the request, if the request already found out: an API token's owner or the
    signed-in person. The session is never read just for the log line, which would add
    queries to requests that had no need of them."""
    caller = getattr(request, "auth", None)
    if getattr(caller, "public_id", None):
        return caller.public_id
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.public_id if user.is_authenticated else None
