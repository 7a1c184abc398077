"""Schemathesis against the API's own OpenAPI schema, in process: generated requests, each
from the person whose part the operation is and aimed at real objects half of the time,
never get a 5xx, every answer matches what the schema says, and every read succeeds."""

import importlib
import pkgutil
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import headstrt.api

# Real ids by path parameter name, used for every other generated example.
REAL_IDS = {
    "situation_id": lambda w: w.situation.public_id,
    "dispute_id": lambda w: w.dispute.public_id,
    "evidence_id": lambda w: w.evidence.public_id,
    "ask_id": lambda w: w.ask.public_id,
    "request_id": lambda w: w.request.public_id,
    "panel_id": lambda w: w.panel.public_id,
    "group_id": lambda w: w.group.public_id,
    "conversation_id": lambda w: w.conversation.public_id,
    "attachment_id": lambda w: w.attachment.public_id,
    "message_id": lambda w: w.message.public_id,
    "notification_id": lambda w: w.notification.public_id,
    "notice_id": lambda w: w.notice.public_id,
    "review_id": lambda w: w.review.public_id,
    "token_id": lambda w: w.tokens[1].public_id,
    "entry_id": lambda w: w.entries[1].public_id,
    "mentor_id": lambda w: w.mentor.public_id,
    "public_id": lambda w: w.mentor.public_id,
    "person_id": lambda w: w.mentor.public_id,
}
# Who sends each operation: the person whose part it is (the mentee otherwise), matched
# against "METHOD path".
ROLES = [
    (re.compile(r"\w+ /api/v1/staff/"), "staff"),
    (re.compile(r"\w+ /api/v1/(mediation/|disputes/\{dispute_id\}/proposal$)"), "mediator"),
    (
        re.compile(
            r"\w+ /api/v1/(me/(mentor-profile|availability|scheduling-policy|dashboard|growth"
            r"|photo|statement(\.csv)?)"
            r"|bookings/\{booking_id\}/(accept|decline)$"
            r"|disputes/\{dispute_id\}/response$"
            r"|perspectives/(inbox|open|asks/\{ask_id\}(/answer|/decline)?)$"
            r"|perspectives/\{request_id\}/offers$"
            r"|groups/\{group_id\}/cancel$"
            r"|situations/shared-with-me$"
            r"|messages/\{message_id\}/report$)"
            r"|POST /api/v1/groups$"
        ),
        "mentor",
    ),
]
MAX_EXAMPLES = 4
# Reads that no generated example can get a 2xx from, and why.
READS_REFUSED_BY_DESIGN = {
    "GET /api/v1/me/mentee-profile": "404 until the person saves one; the world's has none",
    "GET /api/v1/me/working-style": "404 until the person answers; the world's has not",
    "GET /api/v1/mentors/{mentor_id}/slots": "needs a window of real dates ahead",
    "GET /api/v1/panels/slots": "needs a window of real dates ahead and real mentors",
}


def role_of(method: str, path: str) -> str:
    label = f"{method.upper()} {path}"
    return next((role for pattern, role in ROLES if pattern.search(label)), "mentee")


def real_id(world, name: str, path: str, example: int) -> str:
    """A real id for the path parameter ``name``: the upcoming booking and the done one in
    turn; a question open to every mentor where mentors offer to answer it."""
    if name == "booking_id":
        return (world.upcoming if example % 4 == 0 else world.done).public_id
    if name == "request_id" and path.endswith("/offers"):
        return world.open_question.public_id
    return REAL_IDS[name](world)


def test_schema_names_are_unique():
    """The schema names each body by its class name: two classes of one name would make
    one of them documented as the other."""
    shapes = {}
    for module_info in pkgutil.iter_modules(headstrt.api.__path__):
        module = importlib.import_module(f"headstrt.api.{module_info.name}")
        for value in vars(module).values():
            # Query parameters are spelled out one by one, never named as a whole.
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and not value.__name__.endswith("Query")
            ) and value.__module__ == module.__name__:
                shapes.setdefault(value.__name__, {})[module.__name__] = value.model_json_schema()
    clashes = {
        name: sorted(found)
        for name, found in shapes.items()
        if len({repr(shape) for shape in found.values()}) > 1
    }
    assert not clashes, clashes


@pytest.fixture(autouse=True)
def _connection_kept_open():
    """As Django's test client does: the start and end of an in-process request must not
    close the database connection that holds the test's transaction (they would on
    PostgreSQL)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# Loading the schema asks the app for /api/openapi.json, which needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# One test per operation (not schemathesis's single parametrized test, whose cases share one
# name), so pytest-xdist spreads the operations over its workers and runs every one.
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_answers_as_its_schema_says(label, world):
    operation = OPERATIONS[label]
    person = world.person(role_of(operation.method, operation.path))
    headers = {"Authorization": f"Bearer {world.keys[person.pk]}"}
    statuses = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        if len(statuses) % 2 == 0:
            for name in list(case.path_parameters or {}):
                if name in REAL_IDS or name == "booking_id":
                    case.path_parameters[name] = real_id(world, name, operation.path, len(statuses))
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    call()
    if operation.method.upper() == "GET" and label not in READS_REFUSED_BY_DESIGN:
        # A read aimed at the owner's own objects succeeds, so its body is checked too.
        assert any(status < 300 for status in statuses), statuses
