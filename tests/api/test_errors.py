"""Malformed requests get a JSON error with a code and a message, never a 500 or HTML."""

import pytest

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body", ['{"display_name": "Ada"', "not json at all", b"\xff\xfe\x00", '{"a": 1}}']
)
def test_malformed_json_is_a_400(api, person, body):
    assert_error(api.patch("/me", body), 400, "invalid_json")

    person.refresh_from_db()
    assert person.display_name == "Ada Example"


@pytest.mark.parametrize("body", ["[1, 2]", '"just a string"', "42", "null"])
def test_json_that_is_not_an_object_is_invalid(api, body):
    assert_error(api.put("/me/working-style", body), 422, "invalid")


def test_validation_errors_name_each_field(api):
    body = assert_error(
        api.put(
            "/me/mentor-profile",
            {"headline": "H", "bio": "B", "offers": [{"minutes": "half an hour"}]},
        ),
        422,
        "invalid",
    )

    fields = {error["field"] for error in body["errors"]}
    assert {"currency", "weekly_capacity", "is_active", "offers.0.minutes"} <= fields
    assert "offers.0.price_minor" in fields
    assert "currency" in body["message"]


def test_wrong_method_is_a_json_405(api):
    response = api.post("/topics", {})

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/me", "/api/", "/api/v1/me/"])
def test_unknown_addresses_are_a_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")
    assert_error(client.post(path, {}, content_type="application/json"), 404, "not_found")


def test_wrong_content_type_is_an_error_not_a_crash(api):
    response = api.client.patch(
        "/api/v1/me",
        "display_name=Ada",
        content_type="application/x-www-form-urlencoded",
        headers=api.headers,
    )

    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_docs_and_openapi_schema(client):
    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/me",
        "/api/v1/me/photo",
        "/api/v1/me/mentor-profile",
        "/api/v1/me/mentor-profile/expertise",
        "/api/v1/me/mentor-profile/expertise/{entry_id}",
        "/api/v1/me/mentee-profile",
        "/api/v1/me/working-style",
        "/api/v1/me/export",
        "/api/v1/mentors",
        "/api/v1/mentors/{public_id}",
        "/api/v1/topics",
        "/api/v1/languages",
    ]:
        assert path in paths, path


def test_docs_page_runs_under_the_content_security_policy(client):
    response = client.get("/api/docs")

    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Only same-origin files: no CDN, and no script that runs inline.
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert "<style" not in html and " style=" not in html
    for tag in html.split("<script")[1:]:
        attributes = tag.split(">", 1)[0]
        assert ' src="/static/' in attributes or 'type="application/json"' in attributes


def test_nul_characters_are_refused_before_they_reach_the_database(api, person):
    # PostgreSQL cannot store or compare text holding NUL; Django's forms refuse it too.
    body = assert_error(api.patch("/me", {"display_name": "Ada\u0000"}), 422, "invalid")

    assert body["errors"] == [
        {"field": "display_name", "message": "Text may not contain NUL characters"}
    ]
    assert_error(api.patch("/me", {"languages": ["en\u0000"]}), 422, "invalid")
    assert_error(api.get("/mentors", {"q": "a\u0000b"}), 422, "invalid")
    assert_error(api.get("/mentors/abc\u0000def"), 404, "not_found")
    assert_error(api.delete("/tokens/abc\u0000"), 404, "not_found")
    person.refresh_from_db()
    assert person.display_name == "Ada Example"


def test_a_broken_multipart_body_is_a_400(api):
    response = api.client.post(
        "/api/v1/me/photo",
        b"no boundary here",
        content_type="multipart/form-data",
        headers=api.headers,
    )

    assert_error(response, 400, "bad_request")
