"""Idempotency keys: a request retried with the same ``Idempotency-Key`` gets the first answer.

Clients that create bookings or move money send a key of their choosing (a UUID is ideal).
The first request with a key claims it in a transaction of its own, committed at once, so a
concurrent retry sees the claim and is told to wait instead of doing the work twice. The
work and the stored answer then commit together, so a booking never exists without the
answer that reports it. Expected refusals (``DomainError``) are remembered too; an
unexpected failure forgets the key so the client may simply retry.
"""

import hashlib
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Answer:
    """An HTTP status and JSON body; ``replayed`` when it is a remembered answer."""

    status: int
    body: dict
    replayed: bool = False


def fingerprint(scope: str, parameters: object) -> str:
    """SHA-256 of the endpoint and its parameters as canonical JSON."""
    canonical = json.dumps(
        parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


def _check_key(key: str) -> str:
    key = key.strip()  # as HTTP servers strip header values
    if not key or len(key) > MAX_KEY_LENGTH or any(not " " <= char <= "~" for char in key):
        raise DomainError(
            "invalid_idempotency_key",
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            "such as a UUID.",
            field=HEADER,
        )
    return key


def _claim(*, user, key: str, scope: str, digest: str, now: datetime) -> IdempotencyRecord | None:
    """Claim ``key`` for this request (``None``) or return the record of its earlier use."""
    for _ in range(3):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    user=user, key=key, scope=scope, fingerprint=digest, created_at=now
                )
            return None
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if earlier is None:
            continue  # the earlier request failed and let go of the key meanwhile
        if earlier.created_at <= now - KEY_LIFETIME:
            IdempotencyRecord.objects.filter(pk=earlier.pk).delete()
            continue
        return earlier
    raise _in_progress()


def _in_progress() -> DomainError:
    return DomainError(
        "idempotency_in_progress",
        f"A request with this {HEADER} is still being processed; retry in a moment.",
        status=409,
    )


def idempotent(
    *,
    user,
    key: str | None,
    scope: str,
    parameters: object,
    run: Callable[[], tuple[int, dict]],
    atomic: bool = True,
) -> Answer:
    """Run ``run`` once per ``key`` of ``user``, and answer retries with the first answer.

    ``scope`` names the endpoint and ``parameters`` are what was asked; reusing a key for
    another request is refused (``idempotency_key_reused``, 422), and a retry while the
    first request still runs gets ``idempotency_in_progress`` (409). ``run`` returns the
    status and JSON body, or raises ``DomainError``, whose answer is remembered as well,
    except a 5xx one (a temporary failure, such as a bank that did not answer yet): it
    forgets the key, so the retry runs again. Without a key ``run`` simply runs. Call it
    outside any transaction, so the claim commits.

    ``run`` commits together with its stored answer; with ``atomic=False`` it runs outside
    any transaction instead (its answer is stored just after), for work that calls a payment
    provider, which must happen outside one; such work must be idempotent on its own.
    """
    if key is None:
        status, body = run()
        return Answer(status, body)
    key = _check_key(key)
    digest = fingerprint(scope, parameters)
    earlier = _claim(user=user, key=key, scope=scope, digest=digest, now=clock.now())
    if earlier is not None:
        if earlier.fingerprint != digest:
            raise DomainError(
                "idempotency_key_reused",
                f"This {HEADER} was already used for a different request. Use a new key for "
                "each new request.",
                field=HEADER,
                status=422,
            )
        if earlier.status_code is None:
            raise _in_progress()
        return Answer(earlier.status_code, earlier.response, replayed=True)
    record = IdempotencyRecord.objects.filter(user=user, key=key)
    try:
        with transaction.atomic() if atomic else nullcontext():
            status, body = run()
            record.update(status_code=status, response=body)
    except DomainError as error:
        if error.status >= 500:
            record.delete()
            raise
        status, body = error.status, error.as_dict()
        record.update(status_code=status, response=body)
    except BaseException:
        record.delete()
        raise
    return Answer(status, body)


def idempotency_records_forget(*, now: datetime | None = None) -> int:
    """Delete the records of keys older than ``KEY_LIFETIME``; returns how many went."""
    moment = now or clock.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=moment - KEY_LIFETIME).delete()
    return deleted
