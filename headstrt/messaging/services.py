"""Messaging services: tell a person something in the app and by email; mark it read."""

import base64
import logging
from collections.abc import Iterable

from django.db import transaction

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.messaging.models import Notification
from headstrt.messaging.preferences import Category, category_of
from headstrt.messaging.selectors import notification_get_for_recipient

logger = logging.getLogger(__name__)

# (file name, content, MIME type), e.g. ("invite.ics", b"BEGIN:VCALENDAR…",
# "text/calendar; method=REQUEST").
Attachment = tuple[str, bytes, str]


def notification_send(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    email: bool = True,
    attachments: Iterable[Attachment] = (),
) -> Notification:
    """Record a notification for ``recipient`` and, unless ``email`` is false, email it to
    them once the current transaction commits, if they want email about its category.

    ``kind`` is a stable dotted name (``booking.confirmed``) whose first part is one of
    ``preferences.CATEGORIES``; ``url`` a path on the web app.
    """
    category = category_of(kind)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=_one_line(title)[:200],
        body=body,
        url=url,
        created_at=clock.now(),
    )
    if email and recipient.email:
        _email_queue(
            recipient, title=title, body=body, url=url, category=category, attachments=attachments
        )
    return notification


def email_send(
    *,
    recipient: User,
    title: str,
    body: str,
    url: str = "",
    attachments: Iterable[Attachment] = (),
) -> None:
    """Email ``recipient`` without an in-app notification (a receipt of their own action,
    such as the updated calendar invite after they moved a session). Receipts are in no
    category: they are always sent and carry no unsubscribe link.

    The email leaves after the current transaction commits, so a rolled-back change is
    never announced; it is rendered and sent by the worker (here and now should the queue be
    unreachable), and a failure to send it is logged rather than raised, because what it
    reports has already happened.
    """
    if recipient.email:
        _email_queue(recipient, title=title, body=body, url=url, attachments=attachments)


def _email_queue(
    recipient: User,
    *,
    title: str,
    body: str,
    url: str,
    attachments: Iterable[Attachment],
    category: Category | None = None,
) -> None:
    """Queue the email once the current transaction commits: it is rendered and sent by the
    worker, never inside the request (unless the queue is unreachable). The address and name
    are taken now, as the change that prompted the email saw them."""
    arguments = {
        "recipient_id": recipient.pk,
        "address": recipient.email,
        "name": recipient.display_name or recipient.email,
        "title": _one_line(title),
        "body": body,
        "url": url,
        "category": category.key if category is not None else "",
        "attachments": [
            [filename, base64.b64encode(content).decode("ascii"), mimetype]
            for filename, content, mimetype in attachments
        ],
    }
    transaction.on_commit(lambda: _email_hand_over(arguments))


def _email_hand_over(arguments: dict) -> None:
    # Imported on use: declaring a task picks the task backend, which must not happen while
    # the apps load (settings may still change it).
    from headstrt.messaging.tasks import email_deliver

    # The email is queued; should the queue be unreachable (Redis down) it is sent here and
    # now instead, since no sweep would ever send it later. Either failure is only logged:
    # the change the email reports has happened.
    try:
        email_deliver.enqueue(**arguments)
    except Exception:
        logger.exception(
            "email queue unreachable, sending the email to person %s now",
            arguments["recipient_id"],
        )
        try:
            email_deliver.call(**arguments)
        except Exception:
            logger.exception("could not send the email to person %s", arguments["recipient_id"])


def _one_line(text: str) -> str:
    return " ".join(text.split())


@transaction.atomic
def notifications_mark_read(*, user: User, notification_id: object = None) -> int:
    """Mark one of the person's notifications read, or all of them when ``notification_id``
    is ``None``; returns how many changed. Another person's notification is ``NotFound``."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        notification = notification_get_for_recipient(notification_id=notification_id, user=user)
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=clock.now())
