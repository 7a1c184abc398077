"""Endpoints for load balancers and monitoring: liveness, readiness and Prometheus metrics.

The request middleware answers these itself, ahead of the rest of the middleware, so a
probe by IP address passes the host check, plain HTTP from inside the network is not
redirected to HTTPS, and no session is read.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from headstrt.operations.health import readiness as readiness_checks
from headstrt.operations.metrics import metrics_page


@never_cache
@require_safe
def liveness(request: HttpRequest) -> HttpResponse:
    """The process is up and answers; touches nothing else, so a slow database never gets
    a healthy process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readiness(request: HttpRequest) -> HttpResponse:
    """The process can serve: 200 when every dependency answers, else 503; each check's
    result and time either way."""
    result = readiness_checks()
    return JsonResponse(result.as_dict(), status=200 if result.ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics. With HEADSTRT_METRICS_TOKEN set, only a request bearing it gets
    them; without, only a client on this machine that did not come through a proxy, and
    everyone else finds nothing here."""
    token = settings.HEADSTRT_METRICS_TOKEN
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            sent.strip().encode(), token.encode()
        ):
            response = HttpResponse("A valid metrics token is required.\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    elif not _from_this_machine(request):
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    body, content_type = metrics_page(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)


# A proxy on this machine forwards outside visitors from a loopback address; most say so
# with one of these headers (nginx, by default, with none: see HEADSTRT_TRUSTED_PROXY_COUNT).
PROXY_HEADERS = (
    "X-Forwarded-For",
    "Forwarded",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "X-Real-IP",
)


def _from_this_machine(request: HttpRequest) -> bool:
    # Behind declared proxies, a loopback address may be any visitor's: never local.
    if settings.HEADSTRT_TRUSTED_PROXY_COUNT > 0:
        return False
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback
