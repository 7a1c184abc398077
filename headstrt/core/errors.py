"""The one error type for expected failures, shared by the web app and the API."""


class DomainError(Exception):
    """An expected failure with a stable machine code and a message a person understands.

    ``field`` names the input that caused it, so forms can show the message next to it.
    ``status`` is the HTTP status the API answers with.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def as_dict(self) -> dict:
        """The JSON body the API sends for this error."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    """The object does not exist or the requester may not see it (the two are not told apart)."""

    def __init__(self, message: str = "Not found."):
        super().__init__("not_found", message, status=404)


class PermissionDenied(DomainError):
    """The requester is known but may not perform this action."""

    def __init__(self, message: str = "You may not do that."):
        super().__init__("forbidden", message, status=403)
