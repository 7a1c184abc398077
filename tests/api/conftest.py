"""Fixtures for API tests: a person with a token, and a JSON client that sends it."""

import pytest

from headstrt.accounts import services
from tests.factories import UserFactory

BASE = "/api/v1"


class ApiClient:
    """The Django test client speaking JSON to /api/v1, with an optional bearer token."""

    def __init__(self, client, key: str | None = None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def send(self, method: str, path: str, body=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        call = getattr(self.client, method.lower())
        data = body if body is not None else ""
        return call(BASE + path, data, headers=self.headers, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self.send("post", path, body, **kwargs)

    def put(self, path: str, body=None):
        return self.send("put", path, body)

    def patch(self, path: str, body=None):
        return self.send("patch", path, body)

    def delete(self, path: str, body=None):
        return self.send("delete", path, body)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Check an error answer's status and shape; return its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def person(db):
    return UserFactory(display_name="Ada Example", languages=["en"])


def client_for(client, user) -> ApiClient:
    """An API client carrying a fresh token of ``user``."""
    _, key = services.api_token_create(user=user, name="tests")
    return ApiClient(client, key)


@pytest.fixture
def api(client, person) -> ApiClient:
    """An API client signed in as ``person`` with an API token."""
    return client_for(client, person)


@pytest.fixture
def anonymous(client) -> ApiClient:
    return ApiClient(client)
