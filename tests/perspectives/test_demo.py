"""Written perspectives in the demo: answer prices, the demo mentee's question with one
answer in and one awaited, an open question in the demo mentor's feed, and the demo
mentor's group session."""

import pytest

from headstrt.accounts.models import MentorProfile
from headstrt.core import clock
from headstrt.demo.population import DEMO_DOMAIN
from headstrt.demo.services import demo_logins_create, population_generate
from headstrt.perspectives.feed import open_requests_for_mentor
from headstrt.perspectives.models import AskStatus, PerspectiveRequest
from headstrt.perspectives.selectors import asks_for_mentor
from headstrt.scheduling.models import GroupSession
from headstrt.scheduling.panel_reads import group_sessions_upcoming

pytestmark = pytest.mark.django_db

DEMO_MENTOR = "demo.mentor@headstrt.test"
DEMO_MENTEE = "demo.mentee@headstrt.test"


def test_generated_mentors_answer_in_writing_at_a_fraction_of_a_session():
    population_generate(mentors=40, mentees=0, progress=False)

    generated = MentorProfile.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")
    writing = generated.filter(answer_price_minor__isnull=False).prefetch_related("offers")
    assert 0.3 * 40 <= writing.count() <= 0.9 * 40
    for mentor in writing:
        paid = [offer.price_minor for offer in mentor.offers.all() if offer.price_minor]
        assert mentor.answer_price_minor <= min(paid, default=0)


def test_the_demo_mentee_has_one_answer_in_and_the_demo_mentor_one_to_give():
    population_generate(mentors=30, mentees=5, progress=False)
    demo_logins_create()
    demo_logins_create()

    [request] = PerspectiveRequest.objects.filter(mentee__email=DEMO_MENTEE)
    asks = {ask.mentor.user.email: ask for ask in request.asks.select_related("mentor__user")}
    assert asks.pop(DEMO_MENTOR).status == AskStatus.ASKED
    [(_, answered)] = asks.items()
    assert answered.status == AskStatus.ANSWERED and answered.answer
    mentor = MentorProfile.objects.get(user__email=DEMO_MENTOR)
    assert mentor.answer_price_minor == 1500
    [inbox] = asks_for_mentor(mentor=mentor.user)
    assert inbox.request == request

    [open_question] = PerspectiveRequest.objects.filter(open=True)
    assert open_question.mentee.email.endswith(f"@{DEMO_DOMAIN}") and open_question.anonymous
    feed = open_requests_for_mentor(mentor=mentor.user)
    assert [item.request for item in feed] == [open_question]


def test_without_a_population_only_the_demo_mentor_is_asked():
    demo_logins_create()

    [request] = PerspectiveRequest.objects.all()
    [ask] = request.asks.select_related("mentor__user")
    assert (ask.mentor.user.email, ask.status) == (DEMO_MENTOR, AskStatus.ASKED)
    assert ask.payment.status == "succeeded"


def test_the_demo_mentor_offers_one_group_session_with_every_seat_free():
    demo_logins_create()
    demo_logins_create()

    [group] = GroupSession.objects.filter(mentor__user__email=DEMO_MENTOR)
    assert (group.capacity, group.price_minor, group.minutes) == (6, 1500, 60)
    assert [listed.pk for listed in group_sessions_upcoming(now=clock.now())] == [group.pk]
    assert not group.seats.exists()
