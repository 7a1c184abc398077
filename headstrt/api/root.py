"""The NinjaAPI instance: versioned routes under /api/v1/, docs at /api/docs."""

from django.urls import re_path
from ninja import NinjaAPI, Swagger

from headstrt.api import (
    availability,
    bookings,
    conversations,
    dashboards,
    disputes,
    groups,
    me,
    mentors,
    network,
    notifications,
    outcomes,
    panels,
    payments,
    payments_webhooks,
    perspectives,
    reviews,
    situations,
    taxonomy,
    tokens,
)
from headstrt.api.auth import signed_in
from headstrt.api.errors import answer_in_json, install_error_handlers, unknown_address
from headstrt.api.schemas import ErrorOut

DESCRIPTION = """
The API of Headstrt for mobile and scripted clients.

**Authentication.** Get a personal API token from `POST /api/v1/auth/token` (or the web app's
*API tokens* page) and send it as `Authorization: Bearer hst_…`. The browser session works
too; it needs the `X-CSRFToken` header on requests that change something.

**Errors** always answer a 4xx status with `{"code": "...", "message": "..."}`: `code` is
stable for programs, `message` is for people. Invalid input answers 422 with the code
`invalid` and an `errors` list naming each field.

**Money** is `{"minor": 4000, "currency": "EUR", "display": "€40.00"}`: an integer number of
minor units, never a float.

**Times** are ISO 8601. Answers give instants in UTC (`2030-03-05T09:00:00Z`); send them with
an offset. Availability rules are `HH:MM` on the mentor's own clock.

**Idempotency.** Every POST that creates or changes a booking or moves money
accepts an `Idempotency-Key` header: any string of 1 to 255 printable ASCII characters of
your choosing, a UUID being ideal. A retry with the same key and the same request within
24 hours does nothing again and gets the first answer (refusals included), marked with the
response header `Idempotent-Replayed: true`. The same key with a different request answers
422 `idempotency_key_reused`; a retry while the first request is still running answers 409
`idempotency_in_progress` (retry in a moment). A request that failed unexpectedly (5xx)
forgets its key, so retrying it is safe.
"""


class HeadstrtApi(NinjaAPI):
    """A NinjaAPI whose every answer under /api/, even for unknown addresses, is JSON."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = answer_in_json(pattern.callback)
        patterns.append(re_path(r"", unknown_address))
        return patterns, app_name, namespace

    def get_openapi_schema(self, **kwargs):
        """The schema, with the shared error body as every operation's answer to a 4xx."""
        schema = super().get_openapi_schema(**kwargs)
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(error.pop("$defs", {}), ErrorOut=error)
        refusal = {
            "description": "Refused: the body says why",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("4XX", refusal)
        return schema


api = HeadstrtApi(
    title="Headstrt API",
    version="1",
    description=DESCRIPTION,
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    urls_namespace="api",
    auth=signed_in,
)
install_error_handlers(api)
api.add_router("v1/", tokens.router)
api.add_router("v1/me", me.router)
api.add_router("v1/me", availability.router)
api.add_router("v1/mentors", mentors.router)
api.add_router("v1/mentors", availability.slots_router)
api.add_router("v1/", taxonomy.router)
api.add_router("v1/situations", situations.router)
api.add_router("v1/blocks", situations.blocks_router)
api.add_router("v1/bookings", bookings.router)
api.add_router("v1/payments/webhooks", payments_webhooks.router)
api.add_router("v1/", payments.router)
api.add_router("v1/notifications", notifications.router)
api.add_router("v1/me/calendar-feed", notifications.calendar_feed_router)
api.add_router("v1/", reviews.router)
api.add_router("v1/", outcomes.router)
api.add_router("v1/", disputes.router)
api.add_router("v1/", perspectives.router)
api.add_router("v1/", panels.router)
api.add_router("v1/", groups.router)
api.add_router("v1/", conversations.router)
api.add_router("v1/", network.router)
api.add_router("v1/", dashboards.router)
