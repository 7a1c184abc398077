"""A small marketplace holding one of every object a URL can name, made through the services:
a mentor and a mentee with past and upcoming sessions, a dispute before a mediator, a
situation, written perspectives, a panel, a group session, a conversation with a file, and
someone with no part in any of it (a mentor too, so mentor-only actions are tried)."""

from dataclasses import dataclass
from datetime import timedelta

from headstrt.accounts import services as account_services
from headstrt.accounts.models import ApiToken, ExpertiseEntry, User
from headstrt.disputes.models import Dispute, Evidence, Mediator
from headstrt.matching.models import Situation
from headstrt.messaging.models import Attachment, Conversation, Message, MessageReport, Notification
from headstrt.perspectives.models import PerspectiveAsk, PerspectiveRequest
from headstrt.reviews.models import LapseKind, NoticeKind, ReliabilityNotice, Review
from headstrt.scheduling.models import Booking, GroupSession, Panel
from tests.clock import Clock
from tests.factories import ExpertiseEntryFactory, PerspectiveRequestFactory, UserFactory

NOTICE = "Two sessions missed in a month."


@dataclass
class World:
    """Who is who, and the objects of the mentor, the mentee and their mediator."""

    mentor: User
    mentee: User
    mediator: User
    staff: User
    outsider: User
    done: Booking  # completed, reviewed, disputed
    upcoming: Booking  # confirmed, next week
    situation: Situation
    request: PerspectiveRequest
    ask: PerspectiveAsk
    panel: Panel
    group: GroupSession
    open_question: PerspectiveRequest
    dispute: Dispute
    evidence: Evidence
    conversation: Conversation
    message: Message
    attachment: Attachment
    message_report: MessageReport
    review: Review
    notice: ReliabilityNotice
    notification: Notification
    tokens: list[ApiToken]  # the mentee's spare two: the web revokes one and the API the other
    entries: list[ExpertiseEntry]  # two: the web removes one and the API the other
    calendar_token: str
    keys: dict[int, str]  # everyone's API key, by user id
    data_dir: object = None  # where its files are

    def person(self, role: str) -> User:
        return getattr(self, role)


def world_build(clock: Clock) -> World:
    """Make the world with ``clock`` stopped at the scheduling tests' Monday morning; leave it
    just after the done session's end."""
    from headstrt.disputes import services as dispute_services
    from headstrt.matching import services as matching_services
    from headstrt.messaging.conversations import conversation_open, message_report
    from headstrt.messaging.services import notification_send
    from headstrt.reviews import services as review_services
    from headstrt.scheduling import services as scheduling_services
    from tests.messaging.talking import PNG, post, upload
    from tests.perspectives.asking import answer, ask, ask_of, pay
    from tests.scheduling.gatherings import group_offer, panel_book, zoned_mentor
    from tests.scheduling.sessions import NOW, TUESDAY_9, book, paris_mentor, tokyo_mentee

    clock.set(NOW)
    mentor_profile = paris_mentor(answer_price_minor=2000)
    mentor = mentor_profile.user
    account_services.user_set_photo(user=mentor, upload=upload("me.png", PNG, "image/png"))
    mentee = tokyo_mentee()
    outsider = paris_mentor(name="Sol Stranger", email="sol@example.org").user
    staff = UserFactory(display_name="Stella Staff", is_staff=True)
    mediator = Mediator.objects.create(user=UserFactory(display_name="Max Mediator")).user

    done = book(mentor_profile, mentee)
    upcoming = book(mentor_profile, mentee, start=TUESDAY_9 + timedelta(days=7))
    situation = matching_services.situation_create(
        mentee=mentee, text="I have a salary negotiation on Friday and need a plan."
    )
    matching_services.situation_share(
        user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
    )
    request = ask(mentee, mentor_profile)
    pay(mentee, request)
    written = answer(ask_of(request, mentor_profile))
    panelists = [zoned_mentor("Asia/Kolkata"), zoned_mentor("America/New_York")]
    panel = panel_book(mentee, panelists, start=TUESDAY_9 + timedelta(hours=1))
    group = group_offer(mentor_profile)
    entries = ExpertiseEntryFactory.create_batch(2, mentor=mentor_profile)
    keys = {
        person.pk: account_services.api_token_create(user=person, name="phone")
        for person in (mentor, mentee, mediator, staff, outsider)
    }
    calendar_token = scheduling_services.calendar_feed_create(user=mentee)

    clock.set(TUESDAY_9 + timedelta(minutes=35))
    scheduling_services.booking_complete(user=mentee, booking_id=done.public_id)
    review = review_services.review_submit(author=mentee, booking_id=done.public_id, stars=5)
    review_services.review_submit(author=mentor, booking_id=done.public_id, stars=5)
    conversation = conversation_open(user=mentee, booking_id=done.public_id)
    message = post(mentee, conversation, files=[upload("notes.png", PNG, "image/png")])
    report = message_report(user=mentor, message_id=message.public_id, reason="Rude words.")
    dispute = dispute_services.dispute_open(
        user=mentee,
        booking_id=done.public_id,
        reason="quality",
        description="The mentor spent the session on their phone.",
        wanted="refund",
    )
    dispute_services.dispute_respond(
        user=mentor, dispute_id=dispute.public_id, text="I answered every question."
    )
    evidence = dispute_services.evidence_add(
        user=mentee,
        dispute_id=dispute.public_id,
        text="My notes of the call.",
        upload=upload("notes.png", PNG, "image/png"),
    )
    # The case goes to a mediator by a background task; run it now.
    from django_tasks import task_backends

    task_backends["default"].run_due()
    notice = ReliabilityNotice.objects.create(
        person=mentee,
        kind=NoticeKind.WARNING,
        lapse=LapseKind.NO_SHOW,
        reason=NOTICE,
        created_at=clock.now,
    )
    return World(
        mentor=mentor,
        mentee=mentee,
        mediator=mediator,
        staff=staff,
        outsider=outsider,
        done=done,
        upcoming=upcoming,
        situation=situation,
        request=request,
        ask=written,
        panel=panel,
        group=group,
        open_question=PerspectiveRequestFactory(mentee=mentee, open=True),
        dispute=dispute,
        evidence=evidence,
        conversation=conversation,
        message=message,
        attachment=message.attachments.get(),
        message_report=report,
        review=review,
        notice=notice,
        notification=notification_send(
            recipient=mentee, kind="booking.confirmed", title="Booked", body="See you.", email=False
        ),
        tokens=[
            account_services.api_token_create(user=mentee, name=name)[0]
            for name in ("laptop", "tablet")
        ],
        entries=entries,
        calendar_token=calendar_token,
        keys={pk: key for pk, (_, key) in keys.items()},
    )
