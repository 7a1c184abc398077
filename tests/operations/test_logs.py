"""Structured logs: JSON lines, a request id on every line of a request, one access line."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.urls import path

from headstrt.operations.logs import JsonFormatter, TextFormatter, request_id_var
from headstrt.web.views import notification_settings
from tests.factories import MentorProfileFactory, UserFactory

test_logger = logging.getLogger("tests.operations.request")


def _logs_then_fails(request):
    test_logger.warning("about to fail", extra={"step": 2})
    raise ValueError("the view broke")


def _logs_then_answers(request):
    test_logger.info("inside the view")
    return HttpResponse("ok")


urlpatterns = [
    path("unavailable/", lambda request: HttpResponse("down", status=503)),
    path("fails/", _logs_then_fails),
    path("answers/", _logs_then_answers),
]


@pytest.fixture
def json_lines():
    """Every line logged during the test, formatted by the JSON formatter, parsed back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


def _access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "headstrt.access"]


def _record(message="paid %s", args=("x",), exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord(
        "headstrt.payments", logging.ERROR, __file__, 1, message, args, exc_info
    )
    record.__dict__.update(extra)
    return record


def test_a_json_line_holds_time_level_logger_message_request_id_and_extra_fields():
    token = request_id_var.set("req-123")
    try:
        line = json.loads(JsonFormatter().format(_record(booking="bk_1", amount_minor=4000)))
    finally:
        request_id_var.reset(token)
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert line["level"] == "ERROR"
    assert line["logger"] == "headstrt.payments"
    assert line["message"] == "paid x"
    assert line["request_id"] == "req-123"
    assert line["booking"] == "bk_1" and line["amount_minor"] == 4000
    assert "exception" not in line


def test_a_json_line_carries_the_exception_and_survives_values_json_cannot_hold():
    try:
        raise KeyError("missing")
    except KeyError:
        record = _record(exc_info=sys.exc_info(), when={1, 2}, message="broke", args=())
    line = json.loads(JsonFormatter().format(record))
    assert "Traceback" in line["exception"] and "KeyError: 'missing'" in line["exception"]
    assert line["when"] == "{1, 2}"
    assert line["request_id"] is None  # outside any request
    # An extra named like a standard field does not replace it.
    clash = json.loads(JsonFormatter().format(_record(level="fake", args=("y",))))
    assert clash["level"] == "ERROR"


def test_a_text_line_shows_the_request_id_and_extra_fields():
    token = request_id_var.set("abcdef0123456789")
    try:
        text = TextFormatter().format(_record(booking="bk_1"))
    finally:
        request_id_var.reset(token)
    assert "ERROR headstrt.payments [abcdef01] paid x booking=bk_1" in text


@pytest.mark.django_db
@pytest.mark.urls("tests.operations.test_logs")
def test_every_line_of_a_request_has_its_id_which_comes_back_in_the_response(client, json_lines):
    first = client.get("/answers/")
    second = client.get("/answers/")
    lines = json_lines()
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1] and all(len(request_id) == 32 for request_id in ids)
    for request_id in ids:
        lines_of_request = [line for line in lines if line["request_id"] == request_id]
        assert [line["logger"] for line in lines_of_request] == [
            "tests.operations.request",
            "headstrt.access",
        ]
    # Once the request is answered, later lines belong to no request.
    test_logger.info("after")
    assert json_lines()[-1]["request_id"] is None


@pytest.mark.django_db
@pytest.mark.urls("tests.operations.test_logs")
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("lb-7f3a9c:01.2", True),
        ("a" * 100, True),
        ("a" * 101, False),
        ("two words", False),
        ('x"}\n{"level": "ERROR', False),
    ],
)
def test_a_request_id_sent_by_the_proxy_is_kept_only_when_it_is_safe(
    client, json_lines, sent, kept
):
    response = client.get("/answers/", headers={"X-Request-ID": sent})
    answered = response["X-Request-ID"]
    assert (answered == sent) is kept
    if not kept:
        assert len(answered) == 32
    assert _access_lines(json_lines())[0]["request_id"] == answered


@pytest.mark.django_db
def test_the_access_line_names_the_route_pattern_status_time_and_person(client, json_lines):
    mentor = MentorProfileFactory()
    visitor = UserFactory()
    client.get(f"/mentors/{mentor.user.public_id}/?utm=secret-campaign")
    client.force_login(visitor)
    client.get(f"/mentors/{mentor.user.public_id}/")
    client.get("/no-such-page/")
    anonymous, signed_in, missing = _access_lines(json_lines())
    assert anonymous["message"].startswith(f"GET /mentors/{mentor.user.public_id}/ 200 ")
    assert anonymous["method"] == "GET"
    assert anonymous["route"] == "mentors/<slug:public_id>/"
    assert anonymous["path"] == f"/mentors/{mentor.user.public_id}/"  # no query string
    assert anonymous["status"] == 200
    assert anonymous["duration_ms"] > 0
    assert anonymous["user"] is None
    assert anonymous["level"] == "INFO"
    assert signed_in["user"] == visitor.public_id
    assert (missing["status"], missing["route"]) == (404, "unmatched")


@pytest.mark.django_db
def test_the_api_access_line_names_the_token_owner(client, json_lines):
    from headstrt.accounts import services

    person = UserFactory()
    _, raw_key = services.api_token_create(user=person, name="logs")
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw_key}"})
    (line,) = _access_lines(json_lines())
    assert line["route"] == "api/v1/me" and line["status"] == 200
    assert line["user"] == person.public_id


@pytest.mark.django_db
def test_secrets_in_the_address_never_reach_the_log(client, json_lines):
    client.get("/calendar/s3cr3t-feed-token.ics")
    (line,) = _access_lines(json_lines())
    assert line["route"] == "calendar/<slug:token>.ics"
    assert line["path"] == "/calendar/[secret].ics"
    assert "s3cr3t" not in json.dumps(json_lines())


@pytest.mark.django_db
@pytest.mark.urls("tests.operations.test_logs")
def test_an_unhandled_exception_is_logged_with_the_request_id(client, json_lines):
    client.raise_request_exception = False
    response = client.get("/fails/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    lines = [line for line in json_lines() if line["request_id"] == request_id]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert "ValueError: the view broke" in error["exception"]
    assert "request" not in error  # the request object (with its query string) is left out
    assert _access_lines(lines)[0]["status"] == 500


@pytest.mark.django_db
def test_probes_are_logged_at_debug_only(client, json_lines):
    client.get("/healthz")
    client.get("/readyz")
    lines = _access_lines(json_lines())
    assert [(line["route"], line["level"]) for line in lines] == [
        ("healthz", "DEBUG"),
        ("readyz", "DEBUG"),
    ]


def _settings_loaded_with(**environ) -> subprocess.CompletedProcess:
    code = (
        "import logging, logging.config, django; django.setup();"
        "logging.getLogger('headstrt.x').info('hello', extra={'n': 1})"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HEADSTRT_") and key != "DATABASE_URL"
    }
    env.update(DJANGO_SETTINGS_MODULE="headstrt.settings", **environ)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_log_format_is_chosen_by_setting_and_a_wrong_one_is_refused(tmp_path):
    data = str(tmp_path)
    as_json = _settings_loaded_with(HEADSTRT_DATA_DIR=data, HEADSTRT_LOG_FORMAT="json")
    line = json.loads(as_json.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["message"], line["n"]) == ("headstrt.x", "hello", 1)
    as_text = _settings_loaded_with(HEADSTRT_DATA_DIR=data)  # development: text
    assert as_text.stderr.strip().endswith("INFO headstrt.x hello n=1")
    wrong = _settings_loaded_with(HEADSTRT_DATA_DIR=data, HEADSTRT_LOG_FORMAT="xml")
    assert wrong.returncode != 0
    assert 'HEADSTRT_LOG_FORMAT must be "json" or "text"' in wrong.stderr


@pytest.mark.django_db
@pytest.mark.django_db
@pytest.mark.urls("tests.operations.test_logs")
def test_an_error_answer_django_logs_after_the_middleware_has_the_request_id(client, json_lines):
    response = client.get("/unavailable/")
    assert response.status_code == 503
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Service Unavailable: /unavailable/"
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_django_error_lines_about_a_token_address_hide_the_token_and_keep_the_request_id(
    client, json_lines, monkeypatch
):
    def broken(token):
        raise RuntimeError("the signing key is gone")

    monkeypatch.setattr(notification_settings, "unsubscribe_token_read", broken)
    client.raise_request_exception = False
    failed = client.get("/unsubscribe/s3cr3t-unsubscribe-token/")

    assert failed.status_code == 500
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Internal Server Error: /unsubscribe/[secret]/"
    assert line["request_id"] == failed["X-Request-ID"]
    assert "s3cr3t" not in json.dumps(json_lines())


@pytest.mark.django_db
def test_a_token_in_an_address_no_pattern_matched_is_hidden_too(client, json_lines):
    redirected = client.get("/unsubscribe/s3cr3t-unsubscribe-token")  # the final slash added
    missing = client.get("/calendar/s3cr3t-feed-token.ics/")
    assert (redirected.status_code, missing.status_code) == (301, 404)
    paths = [line["path"] for line in _access_lines(json_lines())]
    assert paths == ["/unsubscribe/[secret]", "/calendar/[secret].ics/"]
    assert "s3cr3t" not in json.dumps(json_lines())


def test_a_text_line_cannot_be_forged_by_a_line_break_in_the_path():
    record = _record(
        message="%s %s",
        args=("GET", "/x\n2030-01-01 00:00:00 INFO headstrt.access forged"),
        path="/x\r\nforged",
    )
    line = TextFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    assert "/x\\n2030-01-01" in line and "path=/x\\r\\nforged" in line


@pytest.mark.django_db
def test_a_refused_scrape_is_logged_at_info(client, json_lines, settings):
    settings.HEADSTRT_METRICS_TOKEN = "s3cret-metrics-token"
    client.get("/metrics")
    client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    lines = _access_lines(json_lines())
    assert [(line["status"], line["level"]) for line in lines] == [(401, "INFO"), (200, "DEBUG")]
