"""Personal API tokens: sign in with email and password for a token, list and revoke tokens."""

from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited
from ninja import Router
from ninja.decorators import decorate_view

from headstrt.accounts import selectors, services
from headstrt.api.schemas import CredentialsIn, TokenCreatedOut, TokenIn, TokenOut
from headstrt.core.errors import DomainError

# Tries at signing in for a token, counted whether they succeed or not.
SIGN_IN_RATE_PER_IP = "20/10m"
SIGN_IN_RATE_PER_EMAIL = "5/10m"

router = Router(tags=["Tokens"])


def _no_address(group: str, request: HttpRequest) -> str:
    return "no-address"


def _refuse_if_too_many_tries(request: HttpRequest, email: str) -> None:
    # A WSGI server may leave out the client's address (a Unix socket): such requests share
    # one counter instead of failing.
    by_address = "ip" if request.META.get("REMOTE_ADDR") else _no_address
    by_ip = is_ratelimited(
        request, group="api.sign_in.ip", key=by_address, rate=SIGN_IN_RATE_PER_IP, increment=True
    )
    by_email = is_ratelimited(
        request,
        group="api.sign_in.email",
        key=lambda group, request: email.strip().lower(),
        rate=SIGN_IN_RATE_PER_EMAIL,
        increment=True,
    )
    if by_ip or by_email:
        raise DomainError(
            "rate_limited",
            "Too many sign-in attempts. Wait a few minutes and try again.",
            status=429,
        )


@router.post("/auth/token", response={201: TokenCreatedOut}, auth=None)
@decorate_view(never_cache)
def sign_in_for_token(request: HttpRequest, payload: CredentialsIn):
    """Exchange a verified account's email and password for a new API token.

    The token's ``key`` is in this response only; send it as ``Authorization: Bearer <key>``.
    """
    _refuse_if_too_many_tries(request, payload.email)
    token, raw_key = services.api_token_create_with_password(
        email=payload.email, password=payload.password, name=payload.name
    )
    return {"key": raw_key, "token": token}


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest):
    """Your API tokens, newest first, revoked ones included."""
    return selectors.api_tokens_for_owner(user=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut})
@decorate_view(never_cache)
def create_token(request: HttpRequest, payload: TokenIn):
    """Create another API token; its ``key`` is in this response only."""
    token, raw_key = services.api_token_create(user=request.auth, name=payload.name)
    return {"key": raw_key, "token": token}


@router.delete("/tokens/{slug:token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: str):
    """Revoke one of your tokens; it stops working at once."""
    services.api_token_revoke(user=request.auth, token_id=token_id)
