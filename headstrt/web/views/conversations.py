"""Pages of conversations around engagements: reading, writing, live updates, blocks and
reports."""

import functools
import re
import threading
import time
from collections.abc import Iterator

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from headstrt.core.errors import DomainError, NotFound
from headstrt.messaging import conversation_reads as reads
from headstrt.messaging import conversations as services
from headstrt.messaging.attachments import ACCEPTED, KINDS, MAX_ATTACHMENTS
from headstrt.messaging.attachments import attachment_download as shared_download
from headstrt.messaging.models import MAX_MESSAGE, MAX_REPORT_REASON
from headstrt.web.forms import DomainForm
from headstrt.web.paging import requested_page

# What the file picker offers: the accepted kinds of file and their name endings.
FILE_PICKER_ACCEPTS = ",".join(
    [ending for endings in KINDS.values() for ending in endings if ending] + list(KINDS)
)
# The engagement a conversation is opened from: the query or form field, and the service's
# keyword for it.
ENGAGEMENTS = {"booking": "booking_id", "request": "request_id", "dispute": "dispute_id"}
HEARTBEAT_SECONDS = 10
ROLE_LABELS = {
    "mentee": "Mentee",
    "mentor": "Mentor",
    "mediator": "Mediator",
    "party": "Party to the dispute",
}


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the service decides how many are too many)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        single = super().clean
        return [single(file, initial) for file in files]


class MessageForm(DomainForm):
    """Text, files, or both; the service checks the length, the files and who may write."""

    field_aliases = {"attachments": "files", "file": "files"}
    optional_marks = False  # text, files or both: neither alone is required

    body = forms.CharField(
        label="Message",
        required=False,
        strip=False,  # the service strips and counts
        help_text=f"Up to {MAX_MESSAGE:,} characters. Everyone in the conversation reads it.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_MESSAGE}),
    )
    files = MultipleFileField(
        label="Attach files",
        required=False,
        widget=MultipleFileInput(attrs={"accept": FILE_PICKER_ACCEPTS}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = f"{settings.HEADSTRT_ATTACHMENT_MAX_BYTES / 1024 / 1024:g}"
        help_text = f"Up to {MAX_ATTACHMENTS} files of {megabytes} MB each: {ACCEPTED}."
        self.fields["files"].help_text = help_text


def _conversation_url(conversation_id: str) -> str:
    return reverse("web:conversation_detail", args=[conversation_id])


def _participant_key(conversation_id: str, person) -> str:
    """An opaque name for a participant in one conversation's forms, so a page never carries
    a person's public id (the asker of an anonymous request stays anonymous to mentors)."""
    value = f"{conversation_id}:{person.public_id}"
    return salted_hmac("headstrt.conversation.participant", value).hexdigest()[:20]


def _view(request, conversation_id: str, **options) -> reads.ConversationView:
    try:
        return reads.conversation_get_for_member(
            user=request.user, conversation_id=conversation_id, **options
        )
    except NotFound:
        raise Http404("No such conversation.") from None


def _whole_number(value: str | None) -> int | None:
    """A cursor from the query string; ``None`` when missing, ``ValueError`` when mangled."""
    if value in (None, ""):
        return None
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


# --- the list and opening -----------------------------------------------------------------


@login_required
@never_cache
def conversation_list(request):
    """The person's conversations, the latest message first, with unread counts."""
    summaries = reads.conversations_for_person(user=request.user)
    return render(request, "web/conversations/list.html", {"summaries": summaries})


@login_required
def conversation_open(request):
    """Open (or find) the conversation of a session, a request or a dispute the person takes
    part in, and go to it. A POST from the engagement's page; a GET link works too, as
    opening is idempotent."""
    data = request.POST if request.method == "POST" else request.GET
    given = {field: data.get(field, "").strip() for field in ENGAGEMENTS}
    given = {field: value for field, value in given.items() if value}
    if len(given) != 1:
        return HttpResponseBadRequest("Name one session, request or dispute to talk about.")
    ((field, engagement_id),) = given.items()
    try:
        conversation = services.conversation_open(
            user=request.user, **{ENGAGEMENTS[field]: engagement_id}
        )
    except NotFound:
        raise Http404("No such engagement.") from None
    except DomainError as error:
        messages.error(request, error.message)
        back = request.headers.get("referer", "")
        if url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        return redirect("web:conversations")
    return redirect(_conversation_url(conversation.public_id))


# --- a conversation ------------------------------------------------------------------------


def _conversation_page(request, view: reads.ConversationView, *, form, before, status=200):
    blocked = {block.blocked_id for block in reads.blocks_for_person(user=request.user)}
    conversation_id = view.conversation.public_id
    people = [
        {
            "participant": participant,
            "me": participant.user.pk == request.user.pk,
            "role": ROLE_LABELS.get(participant.role, participant.role),
            "key": _participant_key(conversation_id, participant.user),
            "blocked": participant.user.pk in blocked,
        }
        for participant in view.participants
    ]
    context = {
        "view": view,
        "conversation_id": conversation_id,
        "people": people,
        "form": form,
        "before": before,
        "live": before is None,
        "last_id": view.messages[-1].message.id if view.messages else view.last_read_message_id,
        "max_reason": MAX_REPORT_REASON,
    }
    return render(request, "web/conversations/detail.html", context, status=status)


@login_required
@never_cache
def conversation_detail(request, conversation_id: str):
    """The conversation: who takes part, the latest messages (or earlier ones with
    ``?before=``), and the form to write. Opening it marks its messages read; a POST sends a
    message and comes back here."""
    if request.method == "POST":
        return _message_post(request, conversation_id)
    try:
        before = _whole_number(request.GET.get("before"))
    except ValueError:
        return HttpResponseBadRequest("“before” must be a message number.")
    view = _view(request, conversation_id, before=before)
    if before is None:
        services.conversation_mark_read(user=request.user, conversation_id=conversation_id)
    return _conversation_page(request, view, form=MessageForm(), before=before)


def _message_post(request, conversation_id: str):
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_post(
                user=request.user,
                conversation_id=conversation_id,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except NotFound:
            raise Http404("No such conversation.") from None
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            messages.success(request, "Your message is sent.")
            return redirect(f"{_conversation_url(conversation_id)}#message-form")
    else:
        status = 400
    view = _view(request, conversation_id)
    return _conversation_page(request, view, form=form, before=None, status=status)


def _rendered(request, conversation_id: str, views: list[reads.MessageView]) -> list[str]:
    context = {
        "conversation_id": conversation_id,
        "user": request.user,
        "max_reason": MAX_REPORT_REASON,
    }
    return [
        render_to_string("web/conversations/_message.html", {**context, "item": item}, request)
        for item in views
    ]


def _new_messages(request, conversation_id: str, after: int) -> list[reads.MessageView]:
    return reads.messages_after(user=request.user, conversation_id=conversation_id, after=after)


@login_required
@require_GET
@never_cache
def conversation_messages(request, conversation_id: str):
    """The messages after ``?after=`` as HTML, for browsers that poll instead of listening
    to the live stream."""
    try:
        after = _whole_number(request.GET.get("after")) or 0
    except ValueError:
        return HttpResponseBadRequest("“after” must be a message number.")
    try:
        views = _new_messages(request, conversation_id, after)
    except NotFound:
        raise Http404("No such conversation.") from None
    return HttpResponse("".join(_rendered(request, conversation_id, views)))


def _event(request, conversation_id: str, item: reads.MessageView) -> str:
    # An event's data is one line: line breaks in the markup are only layout.
    html = re.sub(r"[\r\n]+", " ", _rendered(request, conversation_id, [item])[0]).strip()
    return f"id: {item.message.id}\nevent: message\ndata: {html}\n\n"


@functools.cache
def _stream_slots(limit: int) -> threading.BoundedSemaphore:
    # One semaphore per process (made in the worker, after the fork) and per limit.
    return threading.BoundedSemaphore(limit)


class _StreamSlot:
    """One of this process's ``HEADSTRT_STREAMS_PER_PROCESS`` stream slots, given back once:
    when its stream ends, or when a response never read is dropped."""

    def __init__(self, slots: threading.BoundedSemaphore):
        self._slots = slots
        self._lock = threading.Lock()
        self._held = True

    @classmethod
    def take(cls) -> "_StreamSlot | None":
        """A free slot, or None at once when every one is taken."""
        slots = _stream_slots(settings.HEADSTRT_STREAMS_PER_PROCESS)
        return cls(slots) if slots.acquire(blocking=False) else None

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            self._slots.release()

    def __del__(self):
        self.release()


def _event_stream(
    request, conversation_id: str, after: int, first, slot: _StreamSlot
) -> Iterator[str]:
    """New messages as they arrive, for a bounded time: the stream then ends and the browser
    reconnects (with the last event's id), so no worker is held for ever."""
    try:
        yield from _events(request, conversation_id, after, first)
    finally:
        slot.release()


def _events(request, conversation_id: str, after: int, first) -> Iterator[str]:
    # Reconnect a little later than immediately, and the same after an error.
    yield "retry: 2000\n\n"
    deadline = time.monotonic() + settings.HEADSTRT_STREAM_SECONDS
    last_sent = time.monotonic()
    views = first
    while True:
        for item in views:
            yield _event(request, conversation_id, item)
            after = item.message.id
            last_sent = time.monotonic()
        now = time.monotonic()
        if now >= deadline:
            break
        if now - last_sent >= HEARTBEAT_SECONDS:
            # A comment keeps proxies from closing an idle stream.
            yield ": still here\n\n"
            last_sent = now
        time.sleep(min(settings.HEADSTRT_STREAM_POLL_SECONDS, max(0.0, deadline - now)))
        try:
            views = _new_messages(request, conversation_id, after)
        except NotFound:
            # No longer a member (the engagement changed): stop; the reconnect gets a 404.
            break
    yield "retry: 2000\n\n"


@login_required
@require_GET
def conversation_events(request, conversation_id: str):
    """Server-sent events: each new message as rendered HTML, from the message after the
    ``Last-Event-ID`` header (or ``?after=``). With ``HEADSTRT_STREAM_SECONDS`` at 0, or
    when this process already holds ``HEADSTRT_STREAMS_PER_PROCESS`` streams open, the
    answer is 204, which tells the browser not to reconnect: the page then polls."""
    try:
        after = _whole_number(request.headers.get("last-event-id") or request.GET.get("after")) or 0
    except ValueError:
        return HttpResponseBadRequest("“after” must be a message number.")
    try:
        first = _new_messages(request, conversation_id, after)
    except NotFound:
        raise Http404("No such conversation.") from None
    if settings.HEADSTRT_STREAM_SECONDS <= 0:
        return HttpResponse(status=204)
    # A stream holds a server thread for its whole length: with every slot taken, waiting
    # for one would hold this thread too.
    slot = _StreamSlot.take()
    if slot is None:
        return HttpResponse(status=204)
    response = StreamingHttpResponse(
        _event_stream(request, conversation_id, after, first, slot),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events on at once
    return response


@login_required
@require_POST
def conversation_read(request, conversation_id: str):
    """Mark the conversation read up to ``up_to`` (the latest message when absent); the page
    calls it when new messages arrive while it is in view."""
    try:
        up_to = _whole_number(request.POST.get("up_to"))
    except ValueError:
        return HttpResponseBadRequest("“up_to” must be a message number.")
    try:
        services.conversation_mark_read(
            user=request.user, conversation_id=conversation_id, up_to=up_to
        )
    except NotFound:
        raise Http404("No such conversation.") from None
    except DomainError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain")
    return HttpResponse(status=204)


# --- attachments, reports and blocks ---------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, attachment_id: str):
    """A file attached to a message, for the conversation's members only: always downloaded,
    never shown inline, so a file cannot run as a page of the site."""
    try:
        return shared_download(user=request.user, attachment_id=attachment_id)
    except NotFound:
        raise Http404("No such file.") from None


@login_required
@require_POST
def message_report(request, conversation_id: str, message_id: str):
    """Report a message that breaks the rules; staff decide whether to remove it."""
    try:
        services.message_report(
            user=request.user, message_id=message_id, reason=request.POST.get("reason", "")
        )
    except NotFound:
        raise Http404("No such message.") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you: staff will look at the message.")
    return redirect(_conversation_url(conversation_id))


def _participant(request, conversation_id: str):
    """The other participant the form's ``person`` key names; 404 for anything else."""
    view = _view(request, conversation_id, limit=1)
    key = request.POST.get("person", "")
    for participant in view.participants:
        if participant.user.pk != request.user.pk and constant_time_compare(
            key, _participant_key(view.conversation.public_id, participant.user)
        ):
            return participant
    raise Http404("No such person in this conversation.")


@login_required
@require_POST
def person_block(request, conversation_id: str):
    """Stop seeing and being told of a participant's messages, everywhere."""
    participant = _participant(request, conversation_id)
    if not participant.can_block:
        raise HttpForbidden("This person cannot be blocked here.")
    services.person_block(user=request.user, person_id=participant.user.public_id)
    messages.success(
        request,
        f"You blocked {participant.name}: you no longer see their messages or hear about them.",
    )
    return redirect(_conversation_url(conversation_id))


@login_required
@require_POST
def person_unblock(request, conversation_id: str):
    """See a participant's messages again."""
    participant = _participant(request, conversation_id)
    services.person_unblock(user=request.user, person_id=participant.user.public_id)
    messages.success(request, f"You unblocked {participant.name}: you see their messages again.")
    return redirect(_conversation_url(conversation_id))


# --- staff ------------------------------------------------------------------------------------


@staff_member_required
@never_cache
def staff_message_reports(request):
    """Open reports of messages, oldest first, each with the message and a decision."""
    page = requested_page(request, reads.message_reports_open())
    return render(request, "web/conversations/staff.html", {"page": page})


@staff_member_required
@require_POST
def staff_message_report_resolve(request, report_id: str):
    """Remove the reported message (upholding its reports) or dismiss the report."""
    decision = request.POST.get("decision")
    if decision not in ("remove", "dismiss"):
        messages.error(request, "Choose to remove the message or dismiss the report.")
        return redirect("web:staff_message_reports")
    try:
        services.message_report_resolve(
            staff=request.user, report_id=report_id, upheld=decision == "remove"
        )
    except NotFound:
        raise Http404("No such report.") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "The message is removed; its reports are resolved."
            if decision == "remove"
            else "The report is dismissed.",
        )
    return redirect("web:staff_message_reports")


routes = [
    path("conversations/", conversation_list, name="conversations"),
    path("conversations/open/", conversation_open, name="conversation_open"),
    path("conversations/<slug:conversation_id>/", conversation_detail, name="conversation_detail"),
    path(
        "conversations/<slug:conversation_id>/messages/",
        conversation_messages,
        name="conversation_messages",
    ),
    path(
        "conversations/<slug:conversation_id>/events/",
        conversation_events,
        name="conversation_events",
    ),
    path("conversations/<slug:conversation_id>/read/", conversation_read, name="conversation_read"),
    path(
        "conversations/<slug:conversation_id>/messages/<slug:message_id>/report/",
        message_report,
        name="message_report",
    ),
    path("conversations/<slug:conversation_id>/block/", person_block, name="person_block"),
    path("conversations/<slug:conversation_id>/unblock/", person_unblock, name="person_unblock"),
    path("attachments/<slug:attachment_id>/", attachment_download, name="attachment"),
    path("staff/messages/", staff_message_reports, name="staff_message_reports"),
    path(
        "staff/messages/<slug:report_id>/",
        staff_message_report_resolve,
        name="staff_message_report_resolve",
    ),
]
