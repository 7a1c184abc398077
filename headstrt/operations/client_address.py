"""The client's address as rate limits count it, behind a known number of proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent ``request``: with ``HEADSTRT_TRUSTED_PROXY_COUNT`` proxies
    in front, the address the outermost of them saw (the n-th entry of ``X-Forwarded-For``
    from the right; entries further left are the client's to invent), without a port. Without
    proxies, for a request that did not come through all of them, or when that entry is not
    an IP address, the connection's own address."""
    proxies = settings.HEADSTRT_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
    if proxies and len(forwarded) >= proxies:
        address = _ip_address(forwarded[-proxies])
        if address is not None:
            return address
    return request.META.get("REMOTE_ADDR", "")


def _ip_address(entry: str) -> str | None:
    """``entry`` as a plain IP address (``203.0.113.5:41234`` and ``[2001:db8::1]:443`` lose
    their port), or None when it is not one: rate limits turn it into a network, and
    anything else would fail there."""
    if entry.startswith("["):
        entry, bracket, _ = entry[1:].partition("]")
        if not bracket:
            return None
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        return None
    # A zone (fe80::1%eth0) means nothing beyond the proxy's own link.
    if getattr(address, "scope_id", None):
        return None
    return str(address)
