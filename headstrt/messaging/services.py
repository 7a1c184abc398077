"""Messaging services: tell a person something in the app and by email; mark it read."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.messaging.models import Notification
from headstrt.messaging.selectors import notification_get_for_recipient

SUBJECT_PREFIX = "[Headstrt] "

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
    them once the current transaction commits.

    ``kind`` is a stable dotted name (``booking.confirmed``); ``url`` a path on the web app.
    """
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=_one_line(title)[:200],
        body=body,
        url=url,
        created_at=clock.now(),
    )
    if email:
        email_send(recipient=recipient, title=title, body=body, url=url, attachments=attachments)
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
    such as the updated calendar invite after they moved a session).

    The email leaves after the current transaction commits, so a rolled-back change is
    never announced; a failure to send is logged rather than raised, because what it
    reports has already happened.
    """
    if not recipient.email:
        return
    message = _message(recipient=recipient, title=title, body=body, url=url)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    transaction.on_commit(message.send, robust=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(*, recipient: User, title: str, body: str, url: str) -> EmailMultiAlternatives:
    context = {
        "name": recipient.display_name or recipient.email,
        "title": _one_line(title),
        "body": body,
        "link": f"{settings.SITE_URL}{url}" if url else "",
        "notifications_link": f"{settings.SITE_URL}{reverse('web:notifications')}",
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + context["title"],
        body=render_to_string("messaging/email/notification.txt", context),
        to=[recipient.email],
        # Out-of-office replies should not answer a machine.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("messaging/email/notification.html", context), "text/html"
    )
    return message


@transaction.atomic
def notifications_mark_read(*, user: User, notification_id: object = None) -> int:
    """Mark one of the person's notifications read, or all of them when ``notification_id``
    is ``None``; returns how many changed. Another person's notification is ``NotFound``."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        notification = notification_get_for_recipient(notification_id=notification_id, user=user)
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=clock.now())
