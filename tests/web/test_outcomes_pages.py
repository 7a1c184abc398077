"""Pages of outcomes and reliability: the outcome section of a session, the growth page, the
reliability page and contest, the staff queue, the mentor profile's section, joining a call."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest
from django.urls import reverse

from headstrt.messaging.models import Notification
from headstrt.reviews import reliability
from headstrt.reviews.models import Outcome, ReliabilityNotice
from headstrt.reviews.services import review_submit
from headstrt.scheduling import services
from headstrt.scheduling.models import Attendance, ReliabilityKind
from tests.factories import MentorProfileFactory, TopicFactory, UserFactory
from tests.reviews.outcome_fixtures import answered_outcome, done_booking, lapse
from tests.scheduling.conftest import frozen, mentee, mentor
from tests.scheduling.sessions import book

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def done(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.end + timedelta(minutes=1))
    services.booking_complete(user=mentor.user, booking_id=booking.public_id)
    return booking


def session_url(booking, name="session_detail"):
    return reverse(f"web:{name}", args=[booking.public_id])


def paused_person(person):
    mentor = MentorProfileFactory()
    for _ in range(3):
        lapse(person, done_booking(mentor, person), ReliabilityKind.NO_SHOW)
    notice = reliability.reliability_review(person=person)
    person.refresh_from_db()
    return notice


# --- a session's outcome ---------------------------------------------------------------------


def test_the_mentee_answers_on_the_session_page(client, done, mentee):
    client.force_login(mentee)
    html = html_of(client.get(session_url(done)))
    assert "Outcome of the objective" in html
    assert "<legend" in html and "Did you reach your objective?" in html

    answer = client.post(
        session_url(done, "outcome"), {"outcome-result": "partly", "outcome-note": "10% more"}
    )

    assert answer.status_code == 302 and answer.url == session_url(done)
    assert Outcome.objects.get().result == "partly"
    assert "You said: <strong>Partly reached</strong>" in html_of(client.get(session_url(done)))


def test_a_wrong_answer_stays_on_the_form(client, done, mentee):
    client.force_login(mentee)

    html = html_of(client.post(session_url(done, "outcome"), {"outcome-result": "great"}))

    assert "field--invalid" in html and Outcome.objects.get().result == ""


def test_the_follow_up_form_appears_after_30_days(client, done, mentee, frozen):
    client.force_login(mentee)
    client.post(session_url(done, "outcome"), {"outcome-result": "reached"})
    assert "Did the result hold?" not in html_of(client.get(session_url(done)))

    frozen.set(done.end + timedelta(days=30))
    assert "Did the result hold?" in html_of(client.get(session_url(done, "outcome")))
    client.post(session_url(done, "outcome"), {"follow_up": "1", "follow_up-held": "held"})

    assert Outcome.objects.get().held == "held"


def test_the_mentor_reads_the_answer_without_a_form_once_they_reviewed(
    client, done, mentor, mentee
):
    Outcome.objects.update(result="reached")
    client.force_login(mentor.user)
    blind = html_of(client.get(session_url(done)))
    assert "Reached" not in blind and "once you have written your review" in blind
    review_submit(author=mentor.user, booking_id=done.public_id, stars=4)

    html = html_of(client.get(session_url(done)))

    assert "Mia Mentee said: <strong>Reached</strong>" in html
    assert 'name="outcome-result"' not in html
    assert (
        client.post(session_url(done, "outcome"), {"outcome-result": "not_reached"}).status_code
        == 403
    )
    assert Outcome.objects.get().result == "reached"


def test_others_get_404_on_the_outcome_page(client, done):
    client.force_login(UserFactory())

    assert client.get(session_url(done, "outcome")).status_code == 404
    assert (
        client.post(session_url(done, "outcome"), {"outcome-result": "reached"}).status_code == 404
    )


# --- joining ---------------------------------------------------------------------------------


def test_the_join_button_posts_and_records_attendance(client, frozen, mentor, mentee):
    booking = book(mentor, mentee)
    client.force_login(mentee)
    frozen.set(booking.start - timedelta(minutes=5))

    html = html_of(client.get(session_url(booking)))
    assert f'action="{session_url(booking, "session_join")}"' in html

    answer = client.post(session_url(booking, "session_join"))

    assert answer.status_code == 302 and booking.room in answer.url
    assert Attendance.objects.get().joined_at == frozen.now
    assert client.get(session_url(booking, "session_join")).status_code == 405


def test_joining_too_early_goes_back_with_a_message(client, frozen, mentor, mentee):
    booking = book(mentor, mentee)
    client.force_login(mentee)

    answer = client.post(session_url(booking, "session_join"), follow=True)

    assert "is not open" in answer.content.decode() and not Attendance.objects.exists()


# --- growth ----------------------------------------------------------------------------------


def test_the_growth_page_shows_topics_and_pins_its_queries(
    client,
    frozen,
    mentor,
    django_assert_num_queries,
):
    topics = [TopicFactory(name=f"Topic {n}", slug=f"topic-{n}") for n in range(3)]
    for n in range(6):
        answered_outcome(mentor, result="reached", held="held", topic=topics[n % 3])
    client.force_login(mentor.user)
    client.get(reverse("web:growth"))  # warm the session and caches

    with django_assert_num_queries(14):
        html = html_of(client.get(reverse("web:growth")))

    assert "Topic 2" in html and "Topics you helped with" in html
    assert 'aria-current="page">Growth' in html


def test_growth_asks_non_mentors_to_open_a_profile(client, frozen):
    client.force_login(UserFactory())

    answer = client.get(reverse("web:growth"))

    assert answer.status_code == 302 and answer.url == reverse("web:mentor_profile")


# --- reliability -----------------------------------------------------------------------------


def test_the_reliability_page_shows_the_pause_and_takes_a_contest(
    client,
    frozen,
    mentee,
):
    notice = paused_person(mentee)
    client.force_login(mentee)
    html = html_of(client.get(reverse("web:reliability")))
    assert "Your account is paused until" in html and "Contest the pause" in html

    url = reverse("web:reliability_contest", args=[notice.public_id])
    assert client.post(url, {"text": ""}).status_code == 200  # the form again, with the error
    answer = client.post(url, {"text": "I was there."})

    assert answer.status_code == 302
    assert ReliabilityNotice.objects.get().contest_text == "I was there."
    assert "You contested it" in html_of(client.get(reverse("web:reliability")))


def test_nobody_contests_someone_elses_pause_on_the_web(client, frozen, mentee):
    notice = paused_person(mentee)
    client.force_login(UserFactory())

    url = reverse("web:reliability_contest", args=[notice.public_id])

    assert client.post(url, {"text": "Mine"}).status_code == 404
    assert ReliabilityNotice.objects.get().contested_at is None


def test_staff_see_contested_pauses_and_lift_or_keep_them(
    client,
    frozen,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    people = [UserFactory() for _ in range(3)]
    notices = [paused_person(person) for person in people]
    for person, notice in zip(people, notices, strict=True):
        reliability.reliability_contest(person=person, notice_id=notice.public_id, text="Wrong")
    client.force_login(UserFactory(is_staff=True))
    client.get(reverse("web:staff_reliability"))

    with django_assert_num_queries(4):
        html = html_of(client.get(reverse("web:staff_reliability")))
    assert html.count("Lift the pause</button>") == 3

    url = reverse("web:staff_reliability_lift", args=[notices[0].public_id])
    answer = client.post(url, {"reason": "Checked the call log."})

    assert answer.status_code == 302
    people[0].refresh_from_db()
    assert people[0].paused_until is None
    assert (
        html_of(client.get(reverse("web:staff_reliability"))).count("Lift the pause</button>") == 2
    )

    # Keeping a pause answers the contest: it leaves the queue, the pause stays.
    url = reverse("web:staff_reliability_lift", args=[notices[1].public_id])
    with django_capture_on_commit_callbacks(execute=True):
        kept = client.post(url, {"reason": "The call log shows no join.", "decision": "keep"})

    assert kept.status_code == 302
    people[1].refresh_from_db()
    assert people[1].paused_until is not None
    assert Notification.objects.filter(recipient=people[1], title="Your pause stays").exists()
    client.post(url, {"reason": "Twice", "decision": "keep"})  # refused: already decided
    notices[1].refresh_from_db()
    assert notices[1].keep_reason == "The call log shows no join."
    assert (
        html_of(client.get(reverse("web:staff_reliability"))).count("Lift the pause</button>") == 1
    )


def test_only_staff_reach_the_staff_page(client, frozen, mentee):
    notice = paused_person(mentee)
    client.force_login(UserFactory())

    assert client.get(reverse("web:staff_reliability")).status_code == 302
    url = reverse("web:staff_reliability_lift", args=[notice.public_id])
    assert client.post(url, {"reason": "Me"}).status_code == 302
    mentee.refresh_from_db()
    assert mentee.paused_until is not None


# --- the mentor profile ----------------------------------------------------------------------


def test_the_mentor_profile_shows_reliability_and_outcome_rates(client, frozen, mentor):
    salary = TopicFactory(name="Salary", slug="salary")
    answered_outcome(mentor, result="reached", topic=salary)
    answered_outcome(mentor, result="")

    html = html_of(client.get(reverse("web:mentor_detail", args=[mentor.user.public_id])))

    assert "Reliability and outcomes" in html
    assert "Objectives reached: <strong>70%</strong>" in html
    assert '<th scope="row">Salary</th>' in html


def test_a_paused_mentor_offers_no_slots(client, frozen, mentor, mentee):
    paused_person(mentor.user)
    client.force_login(mentee)

    html = html_of(client.get(reverse("web:book", args=[mentor.user.public_id])))

    assert "not taking bookings at the moment" in html
