"""The HTTP answer a web page gives when a service refuses access to someone else's object."""

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404

from headstrt.core.errors import DomainError, NotFound, PermissionDenied


def http_refusal(error: DomainError) -> Exception | None:
    """The HTTP error for an access refusal (a 404 hides that the object exists); ``None``
    for any other refusal, which the page shows as a message."""
    if isinstance(error, NotFound):
        return Http404(error.message)
    if isinstance(error, PermissionDenied):
        return HttpForbidden(error.message)
    return None
