"""Log lines that machines and people can read: JSON (one object per line) or plain text.

Every line written while a request is handled carries that request's id, taken from a
context variable the request middleware sets (or from the request a line is about), so all
the lines of one request can be found together. Secrets in addresses (tokens, keys) are
replaced by ``[secret]`` wherever a line names a request's path. The formatters import
Django only to read a request attached to a record, so gunicorn can use them too.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request being handled in this thread (or task), None outside a request.
request_id_var: ContextVar[str | None] = ContextVar("headstrt_request_id", default=None)

# What every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)

# request_id has its own field. Django's loggers attach the request object, whose text
# would repeat the path with its query string, where links carry tokens.
_NOT_LOGGED_EXTRA = frozenset({"request_id", "request"})


def record_extra(record: logging.LogRecord) -> dict[str, object]:
    """The fields passed with ``extra=`` to the logging call that made ``record``."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES
        and key not in _NOT_LOGGED_EXTRA
        and not key.startswith("_")
    }


# URL arguments that are secrets (email confirmation and password reset keys, calendar feed
# and unsubscribe tokens): their values never reach the logs.
SECRET_ARGUMENT = re.compile(r"(^|_)(key|token|secret)$")
# Line breaks and other control characters, which could forge a line in a text log.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def path_for_log(request) -> str:
    """``request``'s path (never its query string, where links carry tokens too) with the
    values of secret URL arguments replaced by ``[secret]``. A path no pattern matched (a
    404, or a redirect adding the final slash) is looked up with and without that slash,
    so a token in it is found all the same."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    matches = [match] if match is not None else _matches_nearby(request.path_info)
    for found in matches:
        for name, value in found.kwargs.items():
            if SECRET_ARGUMENT.search(name) and isinstance(value, str) and value:
                path = path.replace(value, "[secret]")
    return path


def _matches_nearby(path_info: str) -> list:
    from django.urls import Resolver404, get_resolver, get_urlconf

    resolver = get_resolver(get_urlconf())
    found = []
    stripped = path_info.rstrip("/")
    for candidate in dict.fromkeys((path_info, f"{stripped}/", stripped)):
        try:
            found.append(resolver.resolve(candidate))
        except Resolver404:
            continue
    return found


def _request_path_cleaned(record: logging.LogRecord, message: str) -> str:
    """``message`` with the path of the request it is about cleaned (Django's own lines,
    such as ``Internal Server Error: /unsubscribe/<token>/``, name the raw path)."""
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if not isinstance(path, str) or not path or path not in message:
        return message
    try:
        cleaned = path_for_log(request)
    except Exception:  # a line is never lost for this; the path alone is left out
        cleaned = "[path]"
    return message.replace(path, cleaned)


def _request_id(record: logging.LogRecord) -> str | None:
    # Django logs a 4xx/5xx answer after the middleware has returned (and reset the context
    # variable), with the request attached: the middleware left its id there.
    return (
        getattr(record, "request_id", None)
        or request_id_var.get()
        or getattr(getattr(record, "request", None), "request_id", None)
    )


def _one_line(value: object) -> str:
    return _CONTROL_CHARACTERS.sub(lambda found: repr(found.group())[1:-1], str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    the record's extra fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _request_path_cleaned(record, record.getMessage()),
            "request_id": _request_id(record),
        }
        for key, value in record_extra(record).items():
            line.setdefault(key, value)  # an extra never hides one of the fields above
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra field that JSON cannot hold (a date, a Decimal) is still logged.
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A line for people reading a terminal: time, level, logger, request id, message, then
    the extra fields as ``key=value``. Line breaks in the message and fields are escaped
    (``\\n``), so a path cannot forge a line; a traceback follows on its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        parts = [time, record.levelname, record.name]
        request_id = _request_id(record)
        if request_id:
            parts.append(f"[{request_id[:8]}]")
        parts.append(_one_line(_request_path_cleaned(record, record.getMessage())))
        parts.extend(f"{key}={_one_line(value)}" for key, value in record_extra(record).items())
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text
