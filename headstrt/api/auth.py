"""How API callers prove who they are: a personal API token, or the browser session."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from headstrt.accounts import services
from headstrt.accounts.models import User
from headstrt.core.errors import DomainError


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer hst_...``; a token that is sent but not valid is refused outright.

    Refusing (rather than falling through to the session) means a revoked token is told so
    with a 401, instead of meeting the session's CSRF check.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = services.api_token_authenticate(raw_key=token.strip())
        if user is None:
            raise DomainError(
                "unauthenticated", "This API token is unknown or revoked.", status=401
            )
        return user


class SessionAuth(NinjaSessionAuth):
    """The signed-in browser session; unsafe methods must carry the CSRF token.

    The CSRF check runs only once a session is signed in, so a caller with no credentials
    at all gets a 401 rather than a CSRF complaint.
    """

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except HttpError:
            raise DomainError(
                "csrf_failed",
                "The CSRF token is missing or wrong: send the csrftoken cookie's value in "
                "the X-CSRFToken header.",
                status=403,
            ) from None


token_auth = ApiTokenAuth()
session_auth = SessionAuth()
signed_in = [token_auth, session_auth]


def viewer(request: HttpRequest) -> User | AnonymousUser:
    """Who is asking on a public, read-only endpoint: a token's owner, the session or nobody."""
    return token_auth(request) or request.user
