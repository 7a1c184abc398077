"""Rate limits count the client behind the trusted proxies, never an address it invented."""

import pytest
from django.test import RequestFactory

from headstrt.operations.client_address import client_address


def _request(forwarded=None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", **headers)


def test_without_proxies_the_connection_address_counts(settings):
    settings.HEADSTRT_TRUSTED_PROXY_COUNT = 0

    assert client_address(_request("203.0.113.9")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # Entries left of what the trusted proxies appended are the client's own invention.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # A request that did not pass through every proxy falls back to the connection.
        (2, "198.51.100.7", "10.0.0.5"),
        (1, None, "10.0.0.5"),
        # A port some proxies append is dropped; an address is written the usual way.
        (1, "203.0.113.5:41234", "203.0.113.5"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "[2001:DB8:0::1]", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
        # What is not an address counts as the connection's.
        (1, "not-an-address", "10.0.0.5"),
        (1, "203.0.113.5:x:y", "10.0.0.5"),
        (1, "[2001:db8::1", "10.0.0.5"),
        (1, "", "10.0.0.5"),
        (1, "fe80::1%eth0", "10.0.0.5"),
    ],
)
def test_behind_proxies_the_address_the_outermost_proxy_saw_counts(
    settings, proxies, forwarded, expected
):
    settings.HEADSTRT_TRUSTED_PROXY_COUNT = proxies

    assert client_address(_request(forwarded)) == expected


@pytest.mark.django_db
def test_token_sign_in_limits_count_each_client_behind_the_proxy(client, settings):
    settings.HEADSTRT_TRUSTED_PROXY_COUNT = 1

    tries = iter(range(100))

    def sign_in(address):
        # A new email each time: only the per-address limit can refuse.
        return client.post(
            "/api/v1/auth/token",
            {
                "email": f"nobody{next(tries)}@example.org",
                "password": "wrong password",
                "name": "phone",
            },
            content_type="application/json",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=address,
        )

    statuses = [sign_in("198.51.100.7").status_code for _ in range(40)]
    assert 429 in statuses
    assert sign_in("198.51.100.8").status_code != 429


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded", ["203.0.113.5:41234", "[2001:db8::1]:443", "junk, <x>"])
def test_a_malformed_forwarded_header_is_no_server_error(client, settings, forwarded):
    settings.HEADSTRT_TRUSTED_PROXY_COUNT = 1

    answer = client.post(
        "/api/v1/auth/token",
        {"email": "nobody@example.org", "password": "wrong password", "name": "phone"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert answer.status_code == 401, answer.content
