"""Perspectives for the demo logins: the demo mentee's question with one answer in and one
awaited from the demo mentor, an open question in the demo mentor's feed, and a group
session the demo mentor offers."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q

from headstrt.accounts.models import ExpertiseEntry, MentorProfile, Topic, User
from headstrt.core import clock
from headstrt.demo.population import DEMO_DOMAIN
from headstrt.payments.answers import answers_pay
from headstrt.payments.providers.test import CARD_SUCCEEDS as DEMO_CARD
from headstrt.perspectives import services as perspectives
from headstrt.perspectives.models import AskStatus, PerspectiveRequest
from headstrt.scheduling.models import GroupSession
from headstrt.scheduling.selectors import mentor_next_free_slot
from headstrt.scheduling.services import group_session_offer

DEMO_ANSWER_PRICE = 1500  # the demo mentor's price of a written answer, in euro cents

MENTEE_TITLE = "Research to business plan: where do I start?"
MENTEE_QUESTION = (
    "I finished a research project on low-cost water sensors and people keep asking whether "
    "they can buy one. I want to turn the research into a business plan this year, but I "
    "have never written one. What should I do first: talk to customers, sort out the "
    "intellectual property with my university, or write the plan?"
)
ANSWER = (
    "Talk to customers first, and keep it to ten conversations in the next three weeks: "
    "ask how they solve the problem today and what it costs them, not whether they like "
    "your sensor. In parallel, send your university's tech-transfer office a one-page "
    "disclosure, because they will want to know before you pitch anyone. Only then write "
    "the plan: a one-page version first (problem, customer, price, first year), which you "
    "can grow into the full plan once the conversations have told you who pays."
)
OPEN_TITLE = "Counter-offer or walk away?"
OPEN_QUESTION = (
    "My employer answered my request for a raise with 3%, while two recruiters told me the "
    "market pays 15% more for my role. I like the team. Should I make a counter-offer with "
    "a number, or start interviewing first so I negotiate from a real offer?"
)
OPEN_BUDGET = 4000  # euro cents per answer


def _first_generated_mentee() -> User | None:
    return (
        User.objects.filter(
            email__startswith="mentee",
            email__endswith=f"@{DEMO_DOMAIN}",
            mentee_profile__isnull=False,
        )
        .order_by("email")
        .first()
    )


def _topic_or_none(slug: str) -> str | None:
    return slug if Topic.objects.filter(slug=slug).exists() else None


def demo_open_question() -> None:
    """An open, anonymous question from a generated mentee in the demo mentor's field, so
    the demo mentor's feed has one to offer on (when the generated population exists)."""
    asker = _first_generated_mentee()
    if asker is None or PerspectiveRequest.objects.filter(mentee=asker, open=True).exists():
        return
    perspectives.perspective_request_create(
        mentee=asker,
        title=OPEN_TITLE,
        question=OPEN_QUESTION,
        open=True,
        anonymous=True,
        budget_minor=OPEN_BUDGET,
        currency="EUR",
        topic_slug=_topic_or_none("career-salary-negotiation"),
        languages=["en"],
    )


def _generated_answerer(currency: str) -> MentorProfile | None:
    """A generated mentor answering in writing in English and in ``currency`` (or for
    free), one with expertise in starting a business when there is one."""
    founders = ExpertiseEntry.objects.filter(
        mentor=OuterRef("pk"),
        topic__slug__in=["study-research-to-startup", "entrepreneurship-business-plans"],
    )
    return (
        MentorProfile.objects.filter(
            user__email__endswith=f"@{DEMO_DOMAIN}",
            user__is_active=True,
            is_active=True,
            answer_price_minor__isnull=False,
        )
        .filter(Q(currency=currency) | Q(answer_price_minor=0), user__languages__code="en")
        .exclude(user__paused_until__gt=clock.now())
        .alias(founder=Exists(founders))
        .select_related("user")
        .order_by("-founder", "user__email")
        .first()
    )


def demo_mentee_question(*, mentee: User, mentor: User) -> None:
    """The demo mentee's question to a generated mentor, who has answered, and to the demo
    mentor, whose answer is awaited; paid with the test provider's card. Only when the
    demo mentee has no question yet and the demo mentor answers in writing."""
    profile = MentorProfile.objects.filter(user=mentor).first()
    if (
        profile is None
        or profile.answer_price_minor is None
        or PerspectiveRequest.objects.filter(mentee=mentee).exists()
    ):
        return
    answerer = _generated_answerer(profile.currency)
    asked = [mentor.public_id] + ([answerer.user.public_id] if answerer else [])
    request = perspectives.perspective_request_create(
        mentee=mentee,
        title=MENTEE_TITLE,
        question=MENTEE_QUESTION,
        mentor_ids=asked,
        topic_slug=_topic_or_none("study-research-to-startup"),
        languages=["en"],
    )
    if request.asks.filter(status=AskStatus.UNPAID).exists():
        answers_pay(mentee=mentee, request_id=request.public_id, source=DEMO_CARD)
    if answerer is not None:
        ask = request.asks.get(mentor=answerer)
        perspectives.perspective_answer(mentor=answerer.user, ask_id=ask.public_id, answer=ANSWER)


GROUP_TITLE = "Salary negotiation clinic"
GROUP_DESCRIPTION = (
    "Bring the offer you have and the number you want. In an hour we go round the table: "
    "each of you rehearses the opening sentence and hears how the others would answer it."
)


def demo_group_session(*, mentor: User) -> None:
    """A group session of the demo mentor, six seats at €15.00 in about a week, unless
    they offered one already or have no free hour then."""
    profile = MentorProfile.objects.filter(user=mentor).first()
    if profile is None or GroupSession.objects.filter(mentor=profile).exists():
        return
    now = clock.now()
    start = mentor_next_free_slot(
        mentor=profile, minutes=60, now=now, after=now + timedelta(days=6)
    )
    if start is None:
        return
    group_session_offer(
        mentor=mentor,
        title=GROUP_TITLE,
        description=GROUP_DESCRIPTION,
        start=start,
        minutes=60,
        capacity=6,
        price_minor=1500,
        topic_slug=_topic_or_none("career-salary-negotiation"),
    )
