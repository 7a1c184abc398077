"""Outcomes of objectives: opened when a session is done, answered by its mentee within the
windows, followed up 30 days later, and the outcome rates built from the answers."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headstrt.accounts.models import Topic
from headstrt.core.errors import DomainError
from headstrt.messaging.models import Notification
from headstrt.reviews import outcomes
from headstrt.reviews.models import Outcome
from headstrt.scheduling import services as scheduling
from tests.factories import ExpertiseEntryFactory, SituationFactory, TopicFactory
from tests.reviews.outcome_fixtures import answered_outcome, done_booking
from tests.scheduling.sessions import book, refused

pytestmark = pytest.mark.django_db


def snapshot() -> list:
    return list(Outcome.objects.order_by("pk").values())


def record(booking, user, result="reached", note=""):
    return outcomes.outcome_record(
        mentee=user, booking_id=booking.public_id, result=result, note=note
    )


def follow_up(booking, user, held="held", note=""):
    return outcomes.outcome_follow_up_record(
        mentee=user, booking_id=booking.public_id, held=held, note=note
    )


# --- opening ---------------------------------------------------------------------------------


def test_marking_a_session_done_opens_its_outcome_and_asks_the_mentee(
    frozen, mentor, mentee, committed, mailbox
):
    booking = book(mentor, mentee)
    frozen.set(booking.end)
    mailbox.clear()

    with committed():
        scheduling.booking_complete(user=mentor.user, booking_id=booking.public_id)

    outcome = Outcome.objects.get(booking=booking)
    assert (outcome.mentor, outcome.mentee, outcome.result) == (mentor, mentee, "")
    assert outcome.follow_up_at == booking.end + timedelta(days=30)
    asked = Notification.objects.get(recipient=mentee, kind="outcome.asked")
    assert asked.title == "Did you reach your objective?"
    assert asked.url == f"/sessions/{booking.public_id}/outcome/"
    subjects = [message["Subject"] for message in mailbox.messages_to(mentee.email)]
    assert "[Headstrt] Did you reach your objective?" in subjects
    assert not Notification.objects.filter(recipient=mentor.user, kind="outcome.asked").exists()


def test_opening_twice_keeps_one_outcome_and_asks_once(
    done_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as waiting:
        again = outcomes.outcome_open(booking=done_session)

    assert again == Outcome.objects.get()
    assert waiting == []  # nothing more to tell the mentee


def test_the_topic_is_the_situations_when_it_has_one(frozen, mentor, mentee):
    topic = TopicFactory(name="Salary negotiation", slug="salary-negotiation")
    situation = SituationFactory(mentee=mentee, topic=topic)
    booking = done_booking(mentor, mentee, situation=situation)

    assert outcomes.outcome_open(booking=booking).topic == topic


def test_otherwise_the_expertise_sharing_most_words_with_the_objective(frozen, mentor, mentee):
    parenting = TopicFactory(name="Teenagers", slug="teenagers")
    salary = TopicFactory(name="Salary negotiation", slug="salary-negotiation")
    ExpertiseEntryFactory(mentor=mentor, topic=parenting, years=20, description="Parenting")
    ExpertiseEntryFactory(mentor=mentor, topic=salary, years=5, description="Raises and offers")
    booking = done_booking(mentor, mentee, objective="Prepare my salary negotiation for a raise")

    assert outcomes.outcome_open(booking=booking).topic == salary


def test_no_topic_when_no_expertise_shares_a_word(frozen, mentor, mentee):
    ExpertiseEntryFactory(mentor=mentor, topic=TopicFactory(name="Teenagers", slug="teens"))
    # Words that generated text (the expertise's description) never holds.
    booking = done_booking(mentor, mentee, objective="Zorblat quimvex")

    assert outcomes.outcome_open(booking=booking).topic is None


def test_a_tie_takes_the_first_expertise_entry(frozen, mentor, mentee):
    first = TopicFactory(name="Career change", slug="career-change")
    second = TopicFactory(name="Career growth", slug="career-growth")
    ExpertiseEntryFactory(mentor=mentor, topic=first, years=10)
    ExpertiseEntryFactory(mentor=mentor, topic=second, years=3)
    booking = done_booking(mentor, mentee, objective="My career")

    assert outcomes.outcome_open(booking=booking).topic == first


# --- the result ----------------------------------------------------------------------------------


def test_the_mentee_records_the_result_and_may_change_it_within_14_days(
    done_session, frozen, mentee
):
    record(done_session, mentee, "partly", "Got 10%, not 15%")
    frozen.set(done_session.end + timedelta(days=14))
    record(done_session, mentee, "reached", "They came back with 15%")

    outcome = Outcome.objects.get()
    assert (outcome.result, outcome.result_note) == ("reached", "They came back with 15%")
    assert outcome.result_at == frozen.now


def test_the_result_window_closes_14_days_after_the_end(done_session, frozen, mentee):
    frozen.set(done_session.end + timedelta(days=14, seconds=1))
    before = snapshot()

    refused("outcome_window_closed", record, booking=done_session, user=mentee)

    assert snapshot() == before


def test_the_mentor_may_not_answer_for_the_mentee(done_session, mentor):
    before = snapshot()

    error = refused("forbidden", record, booking=done_session, user=mentor.user)

    assert error.status == 403 and snapshot() == before


def test_someone_outside_the_session_gets_not_found(done_session, outsider):
    before = snapshot()

    error = refused("not_found", record, booking=done_session, user=outsider)

    assert error.status == 404 and snapshot() == before
    with pytest.raises(DomainError) as caught:
        outcomes.outcome_get_for_participant(booking_id=done_session.public_id, user=outsider)
    assert caught.value.status == 404


def test_a_session_not_done_has_no_outcome_to_record(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.end)

    error = refused("session_not_completed", record, booking=booking, user=mentee)

    assert error.status == 409 and not Outcome.objects.exists()


@pytest.mark.parametrize(
    ("result", "note", "code"),
    [("perfect", "", "invalid"), (None, "", "invalid"), ("reached", "x" * 2001, "too_long")],
)
def test_bad_answers_are_refused(done_session, mentee, result, note, code):
    before = snapshot()

    refused(code, record, booking=done_session, user=mentee, result=result, note=note)

    assert snapshot() == before


# --- the follow-up ---------------------------------------------------------------------------


def test_the_follow_up_opens_30_days_after_the_end(done_session, frozen, mentee):
    record(done_session, mentee, "reached")
    frozen.set(done_session.end + timedelta(days=30) - timedelta(seconds=1))
    before = snapshot()
    refused("follow_up_not_open", follow_up, booking=done_session, user=mentee)
    assert snapshot() == before

    frozen.set(done_session.end + timedelta(days=30))
    follow_up(done_session, mentee, "partly", "Half of it")
    frozen.set(done_session.end + timedelta(days=60))
    follow_up(done_session, mentee, "held")

    assert Outcome.objects.get().held == "held"


def test_the_follow_up_closes_60_days_after_the_end(done_session, frozen, mentee):
    record(done_session, mentee, "reached")
    frozen.set(done_session.end + timedelta(days=60, seconds=1))
    before = snapshot()

    refused("follow_up_closed", follow_up, booking=done_session, user=mentee)

    assert snapshot() == before


@pytest.mark.parametrize("result", ["", "not_reached"])
def test_no_follow_up_unless_the_objective_was_reached_at_least_partly(
    done_session, frozen, mentee, result
):
    if result:
        record(done_session, mentee, result)
    frozen.set(done_session.end + timedelta(days=31))

    refused("no_follow_up", follow_up, booking=done_session, user=mentee)


def test_the_mentor_may_not_answer_the_follow_up(done_session, frozen, mentee, mentor):
    record(done_session, mentee, "reached")
    frozen.set(done_session.end + timedelta(days=31))

    refused("forbidden", follow_up, booking=done_session, user=mentor.user)


def test_the_follow_up_sweep_asks_once_even_when_run_twice(
    done_session, frozen, mentee, mailbox, committed
):
    record(done_session, mentee, "reached")
    frozen.set(done_session.end + timedelta(days=29))
    assert outcomes.outcome_follow_ups_send() == 0

    frozen.set(done_session.end + timedelta(days=30))
    mailbox.clear()
    with committed():
        assert outcomes.outcome_follow_ups_send() == 1
        assert outcomes.outcome_follow_ups_send() == 0

    asked = Notification.objects.filter(recipient=mentee, kind="outcome.follow_up")
    assert [n.title for n in asked] == ["Did it hold?"]
    assert [m["Subject"] for m in mailbox.messages_to(mentee.email)] == ["[Headstrt] Did it hold?"]
    assert Outcome.objects.get().follow_up_asked_at == frozen.now


def test_the_sweep_skips_unanswered_and_unreached_objectives(frozen, mentor):
    answered_outcome(mentor, result="not_reached")
    answered_outcome(mentor, result="")
    frozen.move(days=90)

    assert outcomes.outcome_follow_ups_send() == 0


# --- rates ---------------------------------------------------------------------------------------


def test_outcome_values_take_the_lower_of_result_and_held():
    assert outcomes.outcome_value("reached") == 1.0
    assert outcomes.outcome_value("partly") == 0.5
    assert outcomes.outcome_value("not_reached") == 0.0
    assert outcomes.outcome_value("reached", "partly") == 0.5
    assert outcomes.outcome_value("partly", "held") == 0.5
    assert outcomes.outcome_value("reached", "not_held") == 0.0


def test_rates_are_bayesian_per_mentor_and_per_topic(frozen, mentor):
    career = TopicFactory(name="Career", slug="career")
    salary = TopicFactory(name="Salary", slug="salary", parent=career)
    answered_outcome(mentor, result="reached", topic=salary)
    answered_outcome(mentor, result="reached", held="partly", topic=career)
    answered_outcome(mentor, result="not_reached")
    answered_outcome(mentor, result="")  # unanswered: not counted

    parenting = TopicFactory(name="Parenting", slug="parenting")

    [overall] = outcomes.outcome_rates([mentor.pk]).values()
    assert overall.count == 3 and overall.reached == 2
    assert overall.rate == pytest.approx((3 * 0.6 + 1.0 + 0.5 + 0.0) / 6)
    tallies = outcomes.outcome_tallies([mentor.pk])[mentor.pk]
    assert outcomes.outcome_rate_of(tallies) == overall
    by_topic = outcomes.outcome_rate_of(tallies, topic=career)
    assert by_topic.count == 2  # the parent topic takes in its children
    assert by_topic.rate == pytest.approx((1.8 + 1.5) / 5)
    assert outcomes.outcome_rate_of(tallies, topic=salary).count == 1
    assert outcomes.outcome_rate_of(tallies, topic=parenting) is None


def test_a_mentors_outcomes_are_the_rates_overall_and_by_topic_in_one_query(
    frozen, mentor, django_assert_num_queries
):
    assert outcomes.mentor_outcomes(mentor=mentor) == outcomes.MentorOutcomes(None, [])
    career = TopicFactory(name="Career", slug="career")
    salary = TopicFactory(name="Salary", slug="salary", parent=career)
    for result, held, topic in [
        ("reached", "", salary),
        ("reached", "partly", career),
        ("reached", "not_held", None),
        ("partly", "held", career),
        ("partly", "not_held", salary),
        ("not_reached", "", None),
        ("", "", career),
    ]:
        answered_outcome(mentor, result=result, held=held, topic=topic)
    known = list(Topic.objects.select_related("parent").order_by("pk"))

    with django_assert_num_queries(1):
        found = outcomes.mentor_outcomes(mentor=mentor, known_topics=known)

    assert found.overall == outcomes.outcome_rates([mentor.pk])[mentor.pk]
    assert found.topics == outcomes.outcome_rates_by_topic(mentor=mentor)
    assert [item.topic for item in found.topics] == [career, salary, None]
    # Topics not given are read, with their parents.
    with django_assert_num_queries(2):
        again = outcomes.mentor_outcomes(mentor=mentor, known_topics=known[:1])
    assert again == found and again.topics[1].topic.path == "Career › Salary"


def test_mentors_without_answers_are_absent(frozen, mentor):
    answered_outcome(mentor, result="")

    assert outcomes.outcome_rates([mentor.pk]) == {}


def test_rates_of_many_mentors_take_one_query(frozen, mentor, django_assert_num_queries):
    answered_outcome(mentor, result="reached")

    with django_assert_num_queries(1):
        outcomes.outcome_rates([mentor.pk, mentor.pk + 1, mentor.pk + 2])


answers = st.lists(
    st.tuples(
        st.sampled_from(["reached", "partly", "not_reached"]),
        st.sampled_from(["", "held", "partly", "not_held"]),
    ),
    max_size=200,
)


@given(answers)
def test_adding_a_reached_outcome_never_lowers_the_rate(existing):
    values = [outcomes.outcome_value(result, held) for result, held in existing]
    before = outcomes.bayesian_rate(sum(values), len(values))

    after = outcomes.bayesian_rate(sum(values) + 1.0, len(values) + 1)

    assert after >= before


def test_adding_a_reached_outcome_never_lowers_the_stored_rate(frozen, mentor):
    for result in ("reached", "partly", "not_reached", "partly"):
        answered_outcome(mentor, result=result)
        before = outcomes.outcome_rates([mentor.pk])[mentor.pk].rate
        answered_outcome(mentor, result="reached")
        assert outcomes.outcome_rates([mentor.pk])[mentor.pk].rate >= before
