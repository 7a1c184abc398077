"""The ``Idempotency-Key`` header of API endpoints that create bookings or move money."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Header

from headstrt.core.idempotency import HEADER, idempotent

IDEMPOTENCY_HELP = (
    "Any string of up to 255 printable ASCII characters (a UUID is ideal). A retry with the "
    "same key and the same request within 24 hours gets the first answer again."
)


def idempotency_key() -> object:
    """The optional ``Idempotency-Key`` header parameter of a POST endpoint."""
    return Header(None, alias=HEADER, description=IDEMPOTENCY_HELP)


def idempotent_response(
    request: HttpRequest,
    *,
    key: str | None,
    scope: str,
    parameters: dict,
    run: Callable[[], tuple[int, dict]],
    atomic: bool = True,
) -> JsonResponse:
    """Run ``run`` once per key (see ``core.idempotency``, also for ``atomic``) and answer
    its status and body; a replayed answer carries ``Idempotent-Replayed: true``."""
    answer = idempotent(
        user=request.auth,
        key=key,
        scope=scope,
        parameters=parameters,
        run=run,
        atomic=atomic,
    )
    response = JsonResponse(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def idempotent_object_response(
    request: HttpRequest,
    *,
    key: str | None,
    scope: str,
    parameters: dict,
    status: int,
    change: Callable[[], Any],
    body: Callable[[HttpRequest, str], dict],
    atomic: bool = True,
) -> JsonResponse:
    """Run ``change`` once per key and answer ``status`` with ``body`` of the object it
    leaves (read afresh by its public id, as the caller sees it); ``atomic=False`` for
    changes that take a payment, which must run outside a transaction."""

    def run() -> tuple[int, dict]:
        return status, body(request, change().public_id)

    return idempotent_response(
        request, key=key, scope=scope, parameters=parameters, run=run, atomic=atomic
    )
