"""Every API error answers ``{"code": ..., "message": ...}`` with a 4xx status."""

import functools
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig
from django.core.exceptions import SuspiciousOperation as DjangoSuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from headstrt.core.errors import DomainError

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}
SIGN_IN = "Sign in, or send a personal API token as “Authorization: Bearer hst_…”."


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    """The JSON error body every failure shares."""
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _field(location: list | tuple) -> str:
    # Drop where the value came from (body, query, ...) and the name of the body parameter.
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or str(location[0])


def _validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    errors = [
        {"field": _field(error.get("loc", ())), "message": error.get("msg", "Invalid value.")}
        for error in exc.errors
    ]
    details = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return error_response(422, "invalid", f"Some input is not valid: {details}.", errors=errors)


def _domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    return error_response(401, "unauthenticated", SIGN_IN)


def _http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    code = HTTP_ERROR_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc).rstrip(".") + ".")


def _not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404, "not_found", "Not found.")


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> JsonResponse:
    return error_response(403, "forbidden", "You may not do that.")


def _bad_request(request: HttpRequest, exc: Exception) -> JsonResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "too_large", "The request body is too large.")
    return error_response(400, "bad_request", "The request could not be read.")


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer domain errors, invalid input and HTTP errors in the shared JSON shape."""
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(AuthenticationError, _authentication_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _permission_denied)
    for malformed in (BadRequest, DjangoSuspiciousOperation, MultiPartParserError):
        api.add_exception_handler(malformed, _bad_request)


def answer_in_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API URL's view so the 404 and 405 that ninja answers itself are JSON too."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", "There is no such API address.")
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            refusal = error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here; use {allowed}.",
            )
            refusal["Allow"] = allowed
            return refusal
        return response

    return wrapped


@csrf_exempt
def unknown_address(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that no route matches."""
    return error_response(404, "not_found", "There is no such API address.")
