"""Messaging services: tell a person something in the app and by email; mark it read."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import select_template
from django.urls import reverse

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.messaging.models import Notification
from headstrt.messaging.preferences import Category, category_of, email_wanted
from headstrt.messaging.selectors import notification_get_for_recipient
from headstrt.messaging.unsubscribe import unsubscribe_url

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
        attachments = tuple(attachments)

        def send_if_wanted() -> None:
            # Asked when the email leaves, so a choice made meanwhile is respected.
            if email_wanted(user=recipient, category=category):
                _message(
                    recipient=recipient,
                    title=title,
                    body=body,
                    url=url,
                    category=category,
                    attachments=attachments,
                ).send()

        transaction.on_commit(send_if_wanted, robust=True)
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
    never announced; a failure to send is logged rather than raised, because what it
    reports has already happened.
    """
    if not recipient.email:
        return
    message = _message(
        recipient=recipient, title=title, body=body, url=url, attachments=attachments
    )
    transaction.on_commit(message.send, robust=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(
    *,
    recipient: User,
    title: str,
    body: str,
    url: str,
    attachments: Iterable[Attachment],
    category: Category | None = None,
) -> EmailMultiAlternatives:
    """The email of a notification of ``category``, or of a receipt when it is ``None``.

    A category may have templates of its own (``messaging/email/message.txt``) extending
    the notification's.
    """
    context = {
        "name": recipient.display_name or recipient.email,
        "title": _one_line(title),
        "body": body,
        "link": f"{settings.SITE_URL}{url}" if url else "",
        "notifications_link": f"{settings.SITE_URL}{reverse('web:notifications')}",
        "preferences_link": f"{settings.SITE_URL}{reverse('web:notification_settings')}",
        "category": category,
        "unsubscribe_link": "",
    }
    # Out-of-office replies should not answer a machine.
    headers = {"Auto-Submitted": "auto-generated"}
    if category is not None and not category.always:
        context["unsubscribe_link"] = unsubscribe_url(user=recipient, category=category)
        # RFC 8058: mail clients offer their own unsubscribe button and POST to the link.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_link']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    names = [category.key, "notification"] if category is not None else ["receipt"]
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + context["title"],
        body=_render(names, "txt", context),
        to=[recipient.email],
        headers=headers,
    )
    message.attach_alternative(_render(names, "html", context), "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def _render(names: list[str], extension: str, context: dict) -> str:
    template = select_template([f"messaging/email/{name}.{extension}" for name in names])
    return template.render(context)


@transaction.atomic
def notifications_mark_read(*, user: User, notification_id: object = None) -> int:
    """Mark one of the person's notifications read, or all of them when ``notification_id``
    is ``None``; returns how many changed. Another person's notification is ``NotFound``."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        notification = notification_get_for_recipient(notification_id=notification_id, user=user)
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=clock.now())
