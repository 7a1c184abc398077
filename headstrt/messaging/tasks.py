"""Background task of messaging: an email is rendered and sent by the worker, after the
change it tells of committed, so no request waits on templates or the mail server."""

import base64
import logging
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template, select_template
from django.urls import reverse
from django_tasks import task

from headstrt.accounts.models import User
from headstrt.messaging.preferences import Category, category_named, email_wanted
from headstrt.messaging.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Headstrt] "
EMAIL_TEMPLATES = Path(__file__).parent / "templates" / "messaging" / "email"


@task()
def email_deliver(
    *,
    recipient_id: int,
    address: str,
    name: str,
    title: str,
    body: str,
    url: str,
    category: str,
    attachments: list[list[str]],
) -> bool:
    """Send one email to ``address``; whether it was sent.

    ``category`` is a notification's category key (empty for a receipt): such an email
    leaves only if its recipient still wants email about it, asked now so a choice made
    meanwhile is respected. A category no longer known (renamed since the email was queued)
    is not sent, rather than sent as a receipt. ``attachments`` are ``[filename, base64
    content, MIME type]``.
    """
    kind = category_named(category) if category else None
    if category and kind is None:
        logger.warning("email to person %s not sent: unknown category %r", recipient_id, category)
        return False
    recipient = None
    if kind is not None and not kind.always:
        recipient = User.objects.filter(pk=recipient_id).first()
        if recipient is None or not email_wanted(user=recipient, category=kind):
            return False
    email_message(
        address=address,
        name=name,
        title=title,
        body=body,
        url=url,
        category=kind,
        recipient=recipient,
        attachments=[
            (filename, base64.b64decode(content), mimetype)
            for filename, content, mimetype in attachments
        ],
    ).send()
    return True


def email_message(
    *,
    address: str,
    name: str,
    title: str,
    body: str,
    url: str,
    attachments: list[tuple[str, bytes, str]],
    category: Category | None = None,
    recipient: User | None = None,
) -> EmailMultiAlternatives:
    """The email of a notification of ``category`` to ``recipient``, or of a receipt when
    it is ``None``; ``title`` on one line.

    A category may have templates of its own (``messaging/email/message.txt``) extending
    the notification's.
    """
    context = {
        "name": name,
        "title": title,
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
        subject=SUBJECT_PREFIX + title,
        body=_render(names, "txt", context),
        to=[address],
        headers=headers,
    )
    message.attach_alternative(_render(names, "html", context), "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def _render(names: list[str], extension: str, context: dict) -> str:
    template = select_template([f"messaging/email/{name}.{extension}" for name in names])
    return template.render(context)


def email_templates_load() -> None:
    """Compile every email template (``.txt`` and ``.html``) now: the worker calls this before
    its first task, so no task waits while they are compiled."""
    for path in sorted(EMAIL_TEMPLATES.iterdir()):
        if path.suffix in {".txt", ".html"}:
            get_template(f"messaging/email/{path.name}")
