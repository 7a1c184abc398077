"""Every URL of the site that names an object, web and API, tried by someone with no part in
that object: each method is refused with 403 or 404 (405 where the URL takes no such method)
and nothing in the database changes. A URL with an object in it that the matrix does not
list fails the test, so a new endpoint cannot skip the question of who may use it."""

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from headstrt.accounts import services as account_services
from headstrt.web.views.conversations import _participant_key
from tests.factories import UserFactory
from tests.security.world import World

Ids = Callable[[World], dict[str, str]]


@dataclass(frozen=True)
class Private:
    """Only ``owner`` (and the other people of the object) may use it."""

    owner: str
    ids: Ids


@dataclass(frozen=True)
class Public:
    """Anyone may read it; what a visitor can do there acts on their own things only."""

    reason: str
    ids: Ids


@dataclass(frozen=True)
class Secret:
    """The URL carries a secret (or a signature proves the sender): a forged one is refused,
    with one of ``answers`` to GET and POST."""

    ids: Ids
    answers: frozenset = frozenset({400, 403, 404, 405})


# allauth answers a forged key with its page saying the link is not valid.
INVALID_LINK_PAGE = frozenset({200, 404})


@dataclass(frozen=True)
class Own:
    """The parameter names nothing of anyone else: the URL acts on the caller's own data."""

    reason: str


def booking(name: str = "upcoming") -> Ids:
    return lambda w: {"booking_id": getattr(w, name).public_id}


def done() -> Ids:
    return booking("done")


def object_id(parameter: str, attribute: str) -> Ids:
    """The URL parameter ``parameter`` naming the world's object ``attribute``."""
    return lambda w: {parameter: getattr(w, attribute).public_id}


situation = object_id("situation_id", "situation")
dispute = object_id("dispute_id", "dispute")
ask = object_id("ask_id", "ask")
request = object_id("request_id", "request")
open_question = object_id("request_id", "open_question")
panel = object_id("panel_id", "panel")
group = object_id("group_id", "group")
conversation = object_id("conversation_id", "conversation")
notification = object_id("notification_id", "notification")
notice = object_id("notice_id", "notice")
review = object_id("review_id", "review")
message_report = object_id("report_id", "message_report")


def mentor(key: str = "public_id") -> Ids:
    return lambda w: {key: w.mentor.public_id}


MENTEE, MENTOR, MEDIATOR, STAFF = "mentee", "mentor", "mediator", "staff"
ANYONE_BOOKS = "a mentor's page and booking form are public; a booking made there is the caller's"
OPEN_GROUP = "group sessions are offered to everyone; a seat taken is the caller's own"
VISIBLE_REVIEW = "revealed reviews are public and anyone signed in may report one"
RELIABILITY = "a mentor's reliability figures are shown to everyone who might book them"
OPEN_QUESTION = "any mentor may offer a perspective on a question its mentee opened to all"
OWN_DAY = "the day is a date in the caller's own availability"
OWN_BLOCK = "blocking or unblocking edits the caller's own block list"

WEB = {
    "mentors/<slug:public_id>/": Public(ANYONE_BOOKS, mentor()),
    "mentors/<slug:public_id>/book/": Public(ANYONE_BOOKS, mentor()),
    "mentors/<slug:public_id>/reviews/": Public(VISIBLE_REVIEW, mentor()),
    "photos/<slug:public_id>.webp": Public("profile photos are on public pages", mentor()),
    "groups/<slug:group_id>/": Public(OPEN_GROUP, group),
    "groups/<slug:group_id>/seat/": Public(OPEN_GROUP, group),
    "reviews/<slug:review_id>/report/": Public(VISIBLE_REVIEW, review),
    "me/availability/exceptions/<str:day>/remove/": Own(OWN_DAY),
    "calendar/<slug:token>.ics": Secret(lambda w: {"token": "forged" + w.calendar_token[6:]}),
    "unsubscribe/<str:token>/": Secret(lambda w: {"token": "forged:token:value"}),
    r"accounts/^confirm-email/(?P<key>[-:\w]+)/$": Secret(
        lambda w: {"key": "forged-key"}, INVALID_LINK_PAGE
    ),
    r"accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": Secret(
        lambda w: {"uidb36": "1", "key": "forged-key"}, INVALID_LINK_PAGE
    ),
    "me/mentor/expertise/<slug:entry_id>/remove/": Private(
        MENTOR, lambda w: {"entry_id": w.entries[0].public_id}
    ),
    "me/tokens/<slug:token_id>/revoke/": Private(
        MENTEE, lambda w: {"token_id": w.tokens[0].public_id}
    ),
    "me/reliability/<slug:notice_id>/contest/": Private(MENTEE, notice),
    "me/groups/<slug:group_id>/cancel/": Private(MENTOR, group),
    "situations/<slug:situation_id>/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/matches/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/edit/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/delete/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/relax/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/share/": Private(MENTEE, situation),
    "situations/<slug:situation_id>/unshare/": Private(MENTEE, situation),
    "sessions/<slug:booking_id>/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/checkout/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/accept/": Private(MENTOR, booking()),
    "sessions/<slug:booking_id>/decline/": Private(MENTOR, booking()),
    "sessions/<slug:booking_id>/cancel/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/complete/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/no-show/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/tip/": Private(MENTEE, done()),
    "sessions/<slug:booking_id>/join/": Private(MENTEE, booking()),
    "sessions/<slug:booking_id>/review/": Private(MENTEE, done()),
    "sessions/<slug:booking_id>/outcome/": Private(MENTEE, done()),
    "sessions/<slug:booking_id>/dispute/": Private(MENTEE, done()),
    "notifications/<slug:notification_id>/": Private(MENTEE, notification),
    "staff/reviews/<slug:review_id>/": Private(STAFF, review),
    "staff/reliability/<slug:notice_id>/lift/": Private(STAFF, notice),
    "staff/messages/<slug:report_id>/": Private(STAFF, message_report),
    "disputes/<slug:dispute_id>/": Private(MENTEE, dispute),
    "disputes/<slug:dispute_id>/response/": Private(MENTOR, dispute),
    "disputes/<slug:dispute_id>/evidence/": Private(MENTEE, dispute),
    "disputes/<slug:dispute_id>/evidence/<slug:evidence_id>/": Private(
        MENTEE, lambda w: {**dispute(w), "evidence_id": w.evidence.public_id}
    ),
    "disputes/<slug:dispute_id>/messages/": Private(MENTEE, dispute),
    "disputes/<slug:dispute_id>/proposal/": Private(MEDIATOR, dispute),
    "disputes/<slug:dispute_id>/accept/": Private(MENTEE, dispute),
    "disputes/<slug:dispute_id>/appeal/": Private(MENTEE, dispute),
    "perspectives/asks/<slug:ask_id>/": Private(MENTOR, ask),
    "perspectives/asks/<slug:ask_id>/answer/": Private(MENTOR, ask),
    "perspectives/asks/<slug:ask_id>/decline/": Private(MENTOR, ask),
    "perspectives/asks/<slug:ask_id>/helpful/": Private(MENTEE, ask),
    "perspectives/asks/<slug:ask_id>/follow-ups/": Private(MENTEE, ask),
    "perspectives/<slug:request_id>/": Private(MENTEE, request),
    "perspectives/<slug:request_id>/pay/": Private(MENTEE, request),
    "perspectives/<slug:request_id>/close/": Private(MENTEE, request),
    "perspectives/<slug:request_id>/offers/accept/": Private(MENTEE, request),
    "perspectives/<slug:request_id>/offers/": Public(OPEN_QUESTION, open_question),
    "panels/<slug:panel_id>/": Private(MENTEE, panel),
    "panels/<slug:panel_id>/checkout/": Private(MENTEE, panel),
    "panels/<slug:panel_id>/cancel/": Private(MENTEE, panel),
    "conversations/<slug:conversation_id>/": Private(MENTEE, conversation),
    "conversations/<slug:conversation_id>/messages/": Private(MENTEE, conversation),
    "conversations/<slug:conversation_id>/events/": Private(MENTEE, conversation),
    "conversations/<slug:conversation_id>/read/": Private(MENTEE, conversation),
    "conversations/<slug:conversation_id>/messages/<slug:message_id>/report/": Private(
        MENTOR, lambda w: {**conversation(w), "message_id": w.message.public_id}
    ),
    "conversations/<slug:conversation_id>/block/": Private(MENTEE, conversation),
    "conversations/<slug:conversation_id>/unblock/": Private(MENTEE, conversation),
    "attachments/<slug:attachment_id>/": Private(
        MENTEE, lambda w: {"attachment_id": w.attachment.public_id}
    ),
}

API = {
    "api/v1/mentors/<slug:public_id>": Public(ANYONE_BOOKS, mentor()),
    "api/v1/mentors/<slug:mentor_id>/slots": Public(ANYONE_BOOKS, mentor("mentor_id")),
    "api/v1/mentors/<public_id>/reviews": Public(VISIBLE_REVIEW, mentor()),
    "api/v1/mentors/<slug:public_id>/reliability": Public(RELIABILITY, mentor()),
    "api/v1/reviews/<review_id>/reports": Public(VISIBLE_REVIEW, review),
    "api/v1/groups/<slug:group_id>": Public(OPEN_GROUP, group),
    "api/v1/groups/<slug:group_id>/seats": Public(OPEN_GROUP, group),
    "api/v1/groups/<slug:group_id>/cancel": Private(MENTOR, group),
    "api/v1/me/availability/exceptions/<day>": Own(OWN_DAY),
    "api/v1/blocks/<slug:mentor_id>": Own(OWN_BLOCK),
    "api/v1/message-blocks/<slug:person_id>": Own(OWN_BLOCK),
    "api/v1/payments/webhooks/<provider>": Secret(lambda w: {"provider": "test"}),
    "api/v1/tokens/<slug:token_id>": Private(MENTEE, lambda w: {"token_id": w.tokens[1].public_id}),
    "api/v1/me/mentor-profile/expertise/<slug:entry_id>": Private(
        MENTOR, lambda w: {"entry_id": w.entries[1].public_id}
    ),
    "api/v1/situations/<slug:situation_id>": Private(MENTEE, situation),
    "api/v1/situations/<slug:situation_id>/matches": Private(MENTEE, situation),
    "api/v1/situations/<slug:situation_id>/shares/<slug:mentor_id>": Private(
        MENTEE, lambda w: {**situation(w), "mentor_id": w.outsider.public_id}
    ),
    "api/v1/bookings/<slug:booking_id>": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/checkout": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/accept": Private(MENTOR, booking()),
    "api/v1/bookings/<slug:booking_id>/decline": Private(MENTOR, booking()),
    "api/v1/bookings/<slug:booking_id>/reschedule": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/cancel": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/complete": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/no-show": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/join": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/price": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/pay": Private(MENTEE, booking()),
    "api/v1/bookings/<slug:booking_id>/tips": Private(MENTEE, done()),
    "api/v1/bookings/<booking_id>/review": Private(MENTEE, done()),
    "api/v1/bookings/<booking_id>/reviews": Private(MENTEE, done()),
    "api/v1/bookings/<slug:booking_id>/outcome": Private(MENTEE, done()),
    "api/v1/bookings/<slug:booking_id>/outcome/follow-up": Private(MENTEE, done()),
    "api/v1/bookings/<slug:booking_id>/dispute": Private(MENTEE, done()),
    "api/v1/notifications/<slug:notification_id>/read": Private(MENTEE, notification),
    "api/v1/me/reliability/notices/<slug:notice_id>/contest": Private(MENTEE, notice),
    "api/v1/disputes/<slug:dispute_id>": Private(MENTEE, dispute),
    "api/v1/disputes/<slug:dispute_id>/response": Private(MENTOR, dispute),
    "api/v1/disputes/<slug:dispute_id>/evidence": Private(MENTEE, dispute),
    "api/v1/disputes/<slug:dispute_id>/evidence/<slug:evidence_id>/file": Private(
        MENTEE, lambda w: {**dispute(w), "evidence_id": w.evidence.public_id}
    ),
    "api/v1/disputes/<slug:dispute_id>/messages": Private(MENTEE, dispute),
    "api/v1/disputes/<slug:dispute_id>/proposal": Private(MEDIATOR, dispute),
    "api/v1/disputes/<slug:dispute_id>/accept": Private(MENTEE, dispute),
    "api/v1/disputes/<slug:dispute_id>/appeal": Private(MENTEE, dispute),
    "api/v1/perspectives/asks/<slug:ask_id>": Private(MENTOR, ask),
    "api/v1/perspectives/asks/<slug:ask_id>/answer": Private(MENTOR, ask),
    "api/v1/perspectives/asks/<slug:ask_id>/decline": Private(MENTOR, ask),
    "api/v1/perspectives/asks/<slug:ask_id>/helpful": Private(MENTEE, ask),
    "api/v1/perspectives/asks/<slug:ask_id>/follow-ups": Private(MENTEE, ask),
    "api/v1/perspectives/<slug:request_id>": Private(MENTEE, request),
    "api/v1/perspectives/<slug:request_id>/asks": Private(MENTEE, request),
    "api/v1/perspectives/<slug:request_id>/pay": Private(MENTEE, request),
    "api/v1/perspectives/<slug:request_id>/close": Private(MENTEE, request),
    "api/v1/perspectives/<slug:request_id>/offers": Public(OPEN_QUESTION, open_question),
    "api/v1/perspectives/<slug:request_id>/offers/accept": Private(MENTEE, request),
    "api/v1/panels/<slug:panel_id>": Private(MENTEE, panel),
    "api/v1/panels/<slug:panel_id>/pay": Private(MENTEE, panel),
    "api/v1/panels/<slug:panel_id>/cancel": Private(MENTEE, panel),
    "api/v1/conversations/<slug:conversation_id>": Private(MENTEE, conversation),
    "api/v1/conversations/<slug:conversation_id>/messages": Private(MENTEE, conversation),
    "api/v1/conversations/<slug:conversation_id>/read": Private(MENTEE, conversation),
    "api/v1/attachments/<slug:attachment_id>": Private(
        MENTEE, lambda w: {"attachment_id": w.attachment.public_id}
    ),
    "api/v1/messages/<slug:message_id>/report": Private(
        MENTOR, lambda w: {"message_id": w.message.public_id}
    ),
}

MATRIX = {**WEB, **API}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Valid input for every form and every API body that takes an object's id, so a refusal
# comes from the check of who is asking and not from the input (unknown fields are ignored).
INPUT = {
    "text": "I was ill that day; the doctor's note is attached.",
    "reason": "quality",
    "reasons": "Both sides share the blame.",
    "description": "The mentor spent the session on their phone.",
    "wanted": "refund",
    "remedy": "split",
    "mentor_percent": 50,
    "body": "Hello there",
    "answer": "Name your number first.",
    "note": "I negotiated a raise last year.",
    "objective": "Ask for 15% more",
    "start": "2030-03-12T10:00:00+00:00",
    "source": "4242424242424242",
    "stars": 5,
    "result": "reached",
    "held": "held",
    "filter": "language",
    "upheld": "1",
    "action": "hide",
    "ranges": [],
    "amount": {"minor": 500, "currency": "EUR"},
}
LOGIN = "login"  # a redirect to a sign-in page: a refusal for someone signed in
REFUSED = {403, 404, LOGIN}
NOT_SERVED = 405
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
# A read that records that it happened, not a change to anything: a token's last use.
# Signing in, as a test client does, records when.
VOLATILE = {"accounts.apitoken": {"last_used_at"}, "accounts.user": {"last_login"}}


def routes_with_parameters() -> set[str]:
    """Every URL pattern of the site (admin aside) that takes a parameter."""
    found = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and PARAMETER.search(route):
                found.add(route)

    walk(get_resolver().url_patterns, "")
    return {route for route in found if not route.startswith("admin/")}


def address(route: str, ids: dict[str, str]) -> str:
    """The path of ``route`` with its parameters filled in from ``ids``."""
    filled = PARAMETER.sub(lambda match: ids[match.group(1) or match.group(2)], route)
    return "/" + filled.replace("^", "").replace("$", "")


# Tables outside the platform's own apps whose rows a refused request must not add to: allauth's
# email addresses and the queue of background tasks.
WATCHED = {"account.emailaddress", "django_tasks_database.dbtaskresult"}


def database_state() -> dict[str, list]:
    """Every row of every table of the platform (with allauth's email addresses and the
    queued tasks), and every email sent."""
    state = {"sent emails": [(m.subject, tuple(m.to)) for m in mail.outbox]}
    for model in apps.get_models():
        label = model._meta.label_lower
        if not (model.__module__.startswith("headstrt.") or label in WATCHED):
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.attname not in VOLATILE.get(label, ())
        ]
        state[label] = sorted(model.objects.values_list(*fields), key=repr)
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@functools.cache
def openapi() -> dict:
    from headstrt.api.root import api

    return api.get_openapi_schema()


def api_fields(path: str, method: str) -> set[str] | None:
    """The fields the API's request body takes at ``path`` (``None``: any)."""
    schema = openapi()
    for template, operations in schema["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            body = operations[method.lower()].get("requestBody", {}).get("content", {})
            found = body.get("application/json", {}).get("schema", {})
            if "$ref" in found:
                found = schema["components"]["schemas"][found["$ref"].split("/")[-1]]
            return set(found.get("properties", {}))
    return None


def call(client: Client, method: str, path: str, headers: dict, world: World) -> int | str:
    """Send ``method`` to ``path`` with valid input: JSON to the API, a form to the web."""
    data = {
        **INPUT,
        "mentor": world.outsider.public_id,
        "mentors": [world.outsider.public_id],
        "offers": [world.ask.public_id],
        # The conversation forms name the other participant by a key of the page's own.
        "person": _participant_key(world.conversation.public_id, world.mentor),
    }
    if method == "GET":
        response = client.get(path, headers=headers)
    elif path.startswith("/api/"):
        fields = api_fields(path, method)
        body = {key: value for key, value in data.items() if fields is None or key in fields}
        response = client.generic(
            method, path, json.dumps(body), "application/json", headers=headers
        )
    elif method == "POST":
        response = client.post(path, data, headers=headers)
    else:
        response = client.generic(method, path, headers=headers)
    if response.streaming:
        # The test client closes other answers itself; a stream is closed here, without the
        # end-of-request signal, which would close the connection holding the test's data.
        request_finished.disconnect(close_old_connections)
        response.close()
        request_finished.connect(close_old_connections)
    if response.status_code == 302 and "login" in response["Location"]:
        return LOGIN
    return response.status_code


# The object was found and the person may act on it, but not in its present state (a session
# already done, a question already paid): the answer comes after the check of who asks.
NOT_NOW = {402, 409}
EVIDENCE_UPLOAD = "api/v1/disputes/<slug:dispute_id>/evidence"


def reached(status: int | str) -> bool:
    return status != LOGIN and (200 <= status < 400 or status in NOT_NOW)


def client_as(user, world: World, route: str) -> tuple[Client, dict]:
    """A client for ``user``: signed in to the web, with an API token for the API."""
    client = Client()
    if route.startswith("api/"):
        return client, {"Authorization": f"Bearer {world.keys[user.pk]}"}
    client.force_login(user)
    return client, {}


# The only test here marked for the database, which has pytest-django create the test
# database; it runs before the world is made (see conftest.py).
@pytest.mark.django_db
def test_every_url_with_an_object_is_in_the_matrix():
    missing = sorted(routes_with_parameters() - set(MATRIX))
    gone = sorted(set(MATRIX) - routes_with_parameters())
    assert not missing, f"Say who may use these URLs in the matrix: {missing}"
    assert not gone, f"These URLs no longer exist; take them out of the matrix: {gone}"


def test_another_person_is_refused_and_nothing_changes(world):
    failures = []
    state = database_state()
    for route, rule in MATRIX.items():
        if not isinstance(rule, Private):
            continue
        client, headers = client_as(world.outsider, world, route)
        path = address(route, rule.ids(world))
        statuses = {method: call(client, method, path, headers, world) for method in METHODS}
        after = database_state()
        if not set(statuses.values()) <= REFUSED | {NOT_SERVED}:
            failures.append(f"{path}: {statuses}")
        elif not set(statuses.values()) & REFUSED:
            failures.append(f"{path}: no method reached the object: {statuses}")
        if changes := changed_tables(state, after):
            failures.append(f"{path}: changed {changes} ({statuses})")
            state = after
    assert not failures, "\n".join(failures)


def test_the_owner_reaches_every_private_url(world):
    """The matrix's ids name real objects: their owner gets a 2xx or 3xx (not a redirect to
    sign in), or a 402/409 when the object's state no longer allows the step, to at least
    one method, so the refusals above are about the person, not a wrong id. Reads go first,
    and deleting last, and the API before the web (whose forms show a refusal on the page),
    so one route's change does not hide another's object."""
    private = {route: rule for route, rule in MATRIX.items() if isinstance(rule, Private)}
    order = sorted(private, key=lambda route: ("delete" in route, not route.startswith("api/")))
    tried = {route: {} for route in private}
    for methods in (("GET",), ("POST", "PUT", "PATCH"), ("DELETE",)):
        for route in order:
            if any(reached(status) for status in tried[route].values()):
                continue
            rule = private[route]
            client, headers = client_as(world.person(rule.owner), world, route)
            path = address(route, rule.ids(world))
            for method in methods:
                tried[route][method] = call(client, method, path, headers, world)
    failures = [
        f"{route} as {private[route].owner}: {statuses}"
        for route, statuses in tried.items()
        if not any(reached(status) for status in statuses.values())
        # Its body is a file upload, which this test does not send: the 422 naming the
        # missing file comes after the dispute was found for its party (others get 404).
        and not (route == EVIDENCE_UPLOAD and statuses["POST"] == 422)
    ]
    assert not failures, "\n".join(failures)


def test_forged_secrets_are_refused_and_change_nothing(world):
    failures = []
    state = database_state()
    for route, rule in MATRIX.items():
        if not isinstance(rule, Secret):
            continue
        client, headers = client_as(world.outsider, world, route)
        path = address(route, rule.ids(world))
        statuses = {
            method: call(client, method, path, headers, world) for method in ("GET", "POST")
        }
        if not set(statuses.values()) <= rule.answers:
            failures.append(f"{path}: {statuses}")
        if changes := changed_tables(state, database_state()):
            failures.append(f"{path}: changed {changes} ({statuses})")
    assert not failures, "\n".join(failures)


def test_public_urls_answer_anyone(world):
    for route, rule in MATRIX.items():
        if isinstance(rule, Public):
            client, headers = client_as(world.outsider, world, route)
            status = call(client, "GET", address(route, rule.ids(world)), headers, world)
            assert status < 500 and status not in REFUSED, (route, status)


# Someone who takes part in the object, but whose step it is not: refused and nothing changes.
WRONG_PARTY = [
    (MENTEE, "sessions/<slug:booking_id>/accept/"),
    (MENTEE, "sessions/<slug:booking_id>/decline/"),
    (MENTEE, "api/v1/bookings/<slug:booking_id>/accept"),
    (MENTEE, "api/v1/bookings/<slug:booking_id>/decline"),
    (MENTEE, "perspectives/asks/<slug:ask_id>/answer/"),
    (MENTEE, "perspectives/asks/<slug:ask_id>/decline/"),
    (MENTEE, "api/v1/perspectives/asks/<slug:ask_id>/answer"),
    (MENTEE, "api/v1/perspectives/asks/<slug:ask_id>/decline"),
    (MENTOR, "perspectives/asks/<slug:ask_id>/helpful/"),
    (MENTOR, "api/v1/perspectives/asks/<slug:ask_id>/helpful"),
    (MENTEE, "disputes/<slug:dispute_id>/response/"),
    (MENTEE, "api/v1/disputes/<slug:dispute_id>/response"),
    (MENTEE, "disputes/<slug:dispute_id>/proposal/"),
    (MENTOR, "api/v1/disputes/<slug:dispute_id>/proposal"),
    (MENTEE, "staff/reviews/<slug:review_id>/"),
    (MENTOR, "staff/reliability/<slug:notice_id>/lift/"),
    (MENTOR, "staff/messages/<slug:report_id>/"),
    (MEDIATOR, "staff/reviews/<slug:review_id>/"),
    ("other_mediator", "disputes/<slug:dispute_id>/"),
    ("other_mediator", "disputes/<slug:dispute_id>/proposal/"),
    ("other_mediator", "api/v1/disputes/<slug:dispute_id>"),
    ("other_mediator", "api/v1/disputes/<slug:dispute_id>/proposal"),
]
# 403 where the person sees the object but the step is not theirs; 405 where the URL takes
# no such method; a 200 only from a web form that shows the refusal on its page.
WRONG_PARTY_ANSWERS = REFUSED | {NOT_SERVED, 400, 409, 422}
# A web form sends the person back to the page with the refusal as a message.
WEB_REFUSAL = 302


def test_the_wrong_party_is_refused_and_nothing_changes(world):
    from headstrt.disputes.models import Mediator

    other = Mediator.objects.create(user=UserFactory(display_name="Mo Mediator")).user
    world.keys[other.pk] = account_services.api_token_create(user=other, name="phone")[1]
    people = {"other_mediator": other}
    failures = []
    state = database_state()
    for role, route in WRONG_PARTY:
        person = people.get(role) or world.person(role)
        client, headers = client_as(person, world, route)
        path = address(route, MATRIX[route].ids(world))
        statuses = {method: call(client, method, path, headers, world) for method in METHODS}
        allowed = WRONG_PARTY_ANSWERS | ({WEB_REFUSAL} if not route.startswith("api/") else set())
        if not set(statuses.values()) <= allowed:
            failures.append(f"{path} as {role}: {statuses}")
        if changes := changed_tables(state, after := database_state()):
            failures.append(f"{path} as {role}: changed {changes} ({statuses})")
            state = after
    assert not failures, "\n".join(failures)


def admin_routes() -> set[str]:
    found = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            else:
                found.add(route)

    walk(get_resolver().url_patterns, "")
    return {route for route in found if route.startswith("admin/")}


def test_a_revoked_api_token_is_refused(world):
    token, key = account_services.api_token_create(user=world.mentee, name="old phone")
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    account_services.api_token_revoke(user=world.mentee, token_id=token.public_id)
    client = Client()
    client.force_login(world.mentee)  # no falling back to the browser session either
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_signed_in_person_who_is_not_staff_is_refused_every_admin_page(world):
    """Every admin page, the task queue's dashboard among them, with any id: sent to the
    admin's own sign-in, or refused."""
    client = Client()
    client.force_login(world.mentor)
    failures = []
    state = database_state()
    for route in sorted(admin_routes() - {"admin/login/", "admin/logout/"}):
        path = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
        path = "/" + re.sub(PARAMETER, "1", path).replace("^", "").replace("$", "")
        path = path.replace("?", "")
        for method in ("GET", "POST"):
            response = getattr(client, method.lower())(path)
            refused = response.status_code in {401, 403, 404, 405} or (
                response.status_code == 302 and "/admin/login/" in response["Location"]
            )
            if not refused:
                failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(state, database_state())


# --- ids in request bodies and query strings ---------------------------------------------------

# A free 30-minute slot of the world's mentor and of the panel's mentors, a week after the
# done session (the upcoming one takes the hour before).
FREE_SLOT = "2030-03-12T09:00:00+00:00"
# A request naming someone else's object in its body is refused in one of these ways.
BODY_REFUSED = {400, 403, 404, 409, 422}

FromIds = Callable[[dict], object]  # a path or a body, from the ids ``names`` gives


@dataclass(frozen=True)
class Named:
    """A request whose body or query string names one of the mentee's objects; ``path``
    and ``body`` are made from the ids ``names`` gives."""

    method: str
    path: FromIds
    body: FromIds = lambda n: {}


def names(world: World, sender, made: dict) -> dict:
    """The ids the requests name: the mentee's objects, the panel's mentors, and those of
    ``made``: an offer on the mentee's open question, and an open question of each
    sender's own (so only the offer in the body is someone else's)."""
    return {
        "mentor": world.mentor.public_id,
        "situation": world.situation.public_id,
        "done": world.done.public_id,
        "request": world.request.public_id,
        "dispute": world.dispute.public_id,
        "panelists": [
            part.mentor.user.public_id
            for part in world.panel.bookings.select_related("mentor__user")
        ],
        "offer": made["offer"],
        "question": made[sender.pk],
    }


def slot_body(n: dict) -> dict:
    return {"mentor": n["mentor"], "start": FREE_SLOT, "minutes": 30, "situation": n["situation"]}


def panel_body(n: dict) -> dict:
    return {
        "mentors": n["panelists"],
        "start": FREE_SLOT,
        "minutes": 30,
        "situation": n["situation"],
    }


def book_page(n: dict) -> str:
    return f"/mentors/{n['mentor']}/book/?situation={n['situation']}"


NAMED = {
    "api booking": Named(
        "POST",
        lambda n: "/api/v1/bookings",
        lambda n: {**slot_body(n), "objective": "Ask for 15% more", "source": "4242424242424242"},
    ),
    "api hold": Named("POST", lambda n: "/api/v1/bookings/holds", slot_body),
    "api perspectives": Named(
        "POST",
        lambda n: "/api/v1/perspectives",
        lambda n: {"situation": n["situation"], "mentors": [n["mentor"]]},
    ),
    "api panel": Named("POST", lambda n: "/api/v1/panels", panel_body),
    "api conversation of a session": Named(
        "POST", lambda n: "/api/v1/conversations", lambda n: {"booking": n["done"]}
    ),
    "api conversation of a question": Named(
        "POST", lambda n: "/api/v1/conversations", lambda n: {"perspective_request": n["request"]}
    ),
    "api conversation of a dispute": Named(
        "POST", lambda n: "/api/v1/conversations", lambda n: {"dispute": n["dispute"]}
    ),
    "api offer on another question": Named(
        "POST",
        lambda n: f"/api/v1/perspectives/{n['question']}/offers/accept",
        lambda n: {"offers": [n["offer"]]},
    ),
    "web booking page": Named("GET", book_page),
    "web booking": Named("POST", book_page, lambda n: {"start": FREE_SLOT, "minutes": "30"}),
    "web perspectives page": Named(
        "GET", lambda n: f"/perspectives/new/?situation={n['situation']}"
    ),
    "web perspectives": Named(
        "POST",
        lambda n: "/perspectives/new/",
        lambda n: {
            "situation": n["situation"],
            "how": "mentors",
            "mentors": [n["mentor"]],
            "answer_hours": "48",
            "currency": "EUR",
        },
    ),
    "web panel page": Named(
        "GET",
        lambda n: f"/panels/new/?mentors={','.join(n['panelists'])}&situation={n['situation']}",
    ),
    "web panel": Named("POST", lambda n: "/panels/new/", panel_body),
}


def links_to_the_situation(world: World) -> int:
    """How many sessions, panels and questions are tied to the world's situation."""
    from headstrt.perspectives.models import PerspectiveRequest
    from headstrt.scheduling.models import Booking, Panel

    return sum(
        model.objects.filter(situation=world.situation).count()
        for model in (Booking, Panel, PerspectiveRequest)
    )


def send_named(sender, world: World, case: Named, made: dict) -> tuple[str, object]:
    """``case`` sent by ``sender``: its path and the answer."""
    n = names(world, sender, made)
    path, client = case.path(n), Client()
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.keys[sender.pk]}"}
        body = json.dumps(case.body(n))
        return path, client.generic(case.method, path, body, "application/json", headers=headers)
    client.force_login(sender)
    if case.method == "GET":
        return path, client.get(path)
    return path, client.post(path, case.body(n))


def rolled_back() -> transaction.Atomic:
    """A block whose changes are undone, in which the services' durable blocks may run."""
    block = transaction.atomic()
    block._from_testcase = True
    return block


@pytest.mark.parametrize("name", list(NAMED))
def test_an_id_in_a_body_or_query_naming_another_persons_object_is_refused(world, name):
    """The outsider sends a valid request whose body or query string names the mentee's
    situation, session, question, dispute or an offer on the mentee's question: the API
    refuses it and nothing changes; a web page does not show the situation and ties
    nothing to it. The mentee sends the same first (undone afterwards) and gets through,
    so the refusal is about the person and not the input."""
    from headstrt.perspectives.services import perspective_offer_make
    from tests.factories import PerspectiveRequestFactory

    case = NAMED[name]
    offer = perspective_offer_make(
        mentor=world.mentor, request_id=world.open_question.public_id, note="Done it twice."
    )
    outsiders_question = PerspectiveRequestFactory(mentee=world.outsider, open=True)
    made = {
        "offer": offer.public_id,
        world.mentee.pk: world.open_question.public_id,
        world.outsider.pk: outsiders_question.public_id,
    }
    links, n = links_to_the_situation(world), names(world, world.mentee, made)
    with rolled_back():
        _, owner = send_named(world.mentee, world, case, made)
        assert owner.status_code < 400, (name, owner.status_code, owner.content[:300])
        if case.method == "GET":
            assert world.situation.text in owner.content.decode(), name
        elif world.situation.public_id in case.path(n) + json.dumps(case.body(n)):
            assert links_to_the_situation(world) > links, name
        transaction.set_rollback(True)

    state = database_state()
    path, response = send_named(world.outsider, world, case, made)
    assert world.situation.text not in response.content.decode(), name
    if path.startswith("/api/"):
        assert response.status_code in BODY_REFUSED, (name, response.status_code)
        assert not changed_tables(state, database_state()), name
    else:
        # A web page ignores a situation that is not the sender's, or refuses the form
        # (the question form, whose hidden field names it); what it does is the sender's own.
        status = response.status_code
        assert status < 400 or status in BODY_REFUSED, (name, status)
        assert links_to_the_situation(world) == links, name
        if case.method == "GET":
            assert not changed_tables(state, database_state()), name
