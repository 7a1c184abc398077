"""Answering, declining, the deadline, the most helpful answer and follow-ups; and what a
mentor may see of the other answers."""

from datetime import timedelta

import pytest

from headstrt.perspectives import selectors, services
from headstrt.perspectives.models import MAX_ANSWER, MIN_ANSWER, AskStatus, FollowUp
from tests.factories import UserFactory
from tests.perspectives.asking import ANSWER, NOW, answer, answering_mentor, ask, ask_of, state
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_three(mentee):
    """A question sent to three mentors answering for free (so it goes out at once)."""
    mentors = [answering_mentor(name, price=0) for name in ("Ana", "Ben", "Cleo")]
    return ask(mentee, *mentors), mentors


def test_an_answer_is_stored_for_the_mentee(free_three, frozen):
    request, (ana, _, _) = free_three
    frozen.move(hours=3)

    answered = answer(ask_of(request, ana), "  " + ANSWER + "\r\n")

    stored = ask_of(request, ana)
    assert stored.status == answered.status == AskStatus.ANSWERED
    assert stored.answer == ANSWER and stored.answered_at == NOW + timedelta(hours=3)


def test_answering_after_the_deadline_is_refused_and_the_question_expires(free_three, frozen):
    request, (ana, _, _) = free_three
    frozen.move(hours=48)

    error = refused("answer_late", answer, ask=ask_of(request, ana))

    assert error.status == 409
    stored = ask_of(request, ana)
    assert (stored.status, stored.answer, stored.ended_at) == (AskStatus.EXPIRED, "", frozen.now)
    before = state()
    refused("answer_late", answer, ask=stored)
    assert state() == before


def test_answering_a_question_one_was_not_asked_is_not_found(free_three, mentee):
    request, (ana, ben, _) = free_three
    stranger = answering_mentor("Stranger")
    before = state()

    for who, ask_id in (
        (stranger.user, ask_of(request, ana).public_id),
        (ben.user, ask_of(request, ana).public_id),
        (mentee, ask_of(request, ana).public_id),
        (ana.user, request.public_id),
        (ana.user, None),
    ):
        refused("not_found", services.perspective_answer, mentor=who, ask_id=ask_id, answer=ANSWER)

    assert state() == before


def test_a_question_not_paid_yet_cannot_be_answered_nor_seen(mentee):
    ben = answering_mentor("Ben", price=2000)
    request = ask(mentee, ben)
    before = state()

    refused("not_found", answer, ask=ask_of(request, ben))
    refused(
        "not_found",
        selectors.perspective_ask_get_for_mentor,
        ask_id=ask_of(request, ben).public_id,
        mentor=ben.user,
    )

    assert state() == before and not selectors.asks_for_mentor(mentor=ben.user).exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Too short.", "answer_too_short"),
        ("x" * (MIN_ANSWER - 1), "answer_too_short"),
        ("   ", "answer_too_short"),
        ("x" * (MAX_ANSWER + 1), "answer_too_long"),
        (None, "answer_too_short"),
        (42, "invalid_text"),
        ("x" * MIN_ANSWER + "\x00", "invalid_text"),
    ],
)
def test_answers_too_short_or_too_long_are_refused(free_three, text, code):
    request, (ana, _, _) = free_three
    before = state()

    error = refused(code, answer, ask=ask_of(request, ana), text=text)

    assert error.status == 422 and error.field == "answer"
    assert state() == before


def test_answers_at_the_limits_are_taken(free_three):
    request, (ana, ben, _) = free_three

    answer(ask_of(request, ana), "x" * MIN_ANSWER)
    answer(ask_of(request, ben), "x" * MAX_ANSWER)

    assert ask_of(request, ben).status == AskStatus.ANSWERED


def test_answering_twice_or_after_declining_is_refused(free_three):
    request, (ana, ben, _) = free_three
    answer(ask_of(request, ana))
    services.perspective_decline(
        mentor=ben.user, ask_id=ask_of(request, ben).public_id, reason="Not my field"
    )
    before = state()

    refused("already_answered", answer, ask=ask_of(request, ana), text=ANSWER + " Again.")
    refused("not_asked", answer, ask=ask_of(request, ben))
    refused(
        "not_asked",
        services.perspective_decline,
        mentor=ben.user,
        ask_id=ask_of(request, ben).public_id,
    )

    assert state() == before
    declined = ask_of(request, ben)
    assert (declined.status, declined.decline_reason) == (AskStatus.DECLINED, "Not my field")


def test_declining_after_the_deadline_expires_the_question(free_three, frozen):
    request, (ana, _, _) = free_three
    frozen.move(hours=49)

    refused(
        "answer_late",
        services.perspective_decline,
        mentor=ana.user,
        ask_id=ask_of(request, ana).public_id,
    )

    assert ask_of(request, ana).status == AskStatus.EXPIRED


def test_the_most_helpful_mark_moves_and_comes_off(free_three, mentee):
    request, (ana, ben, cleo) = free_three
    answer(ask_of(request, ana))
    answer(ask_of(request, ben))

    def helpful():
        return [a.mentor for a in request.asks.filter(helpful=True)]

    services.perspective_mark_helpful(mentee=mentee, ask_id=ask_of(request, ana).public_id)
    assert helpful() == [ana]
    services.perspective_mark_helpful(mentee=mentee, ask_id=ask_of(request, ben).public_id)
    assert helpful() == [ben]
    services.perspective_mark_helpful(mentee=mentee, ask_id=ask_of(request, ben).public_id)
    assert helpful() == []

    before = state()
    refused(
        "not_answered",
        services.perspective_mark_helpful,
        mentee=mentee,
        ask_id=ask_of(request, cleo).public_id,
    )
    refused(
        "not_found",
        services.perspective_mark_helpful,
        mentee=ana.user,
        ask_id=ask_of(request, ana).public_id,
    )
    assert state() == before


def test_follow_ups_between_the_mentee_and_the_answering_mentor_three_each(free_three, mentee):
    request, (ana, ben, _) = free_three
    asked = answer(ask_of(request, ana))

    for n in range(3):
        services.perspective_follow_up(user=mentee, ask_id=asked.public_id, text=f"Question {n}")
        services.perspective_follow_up(user=ana.user, ask_id=asked.public_id, text=f"Reply {n}")

    assert [f.text for f in FollowUp.objects.filter(ask=asked)][:2] == ["Question 0", "Reply 0"]
    assert selectors.follow_ups_left(ask=asked, user=mentee) == 0
    before = state()
    for user in (mentee, ana.user):
        refused(
            "follow_ups_used",
            services.perspective_follow_up,
            user=user,
            ask_id=asked.public_id,
            text="One more",
        )
    refused(
        "not_found",
        services.perspective_follow_up,
        user=ben.user,
        ask_id=asked.public_id,
        text="Hi",
    )
    refused(
        "not_found",
        services.perspective_follow_up,
        user=UserFactory(),
        ask_id=asked.public_id,
        text="Hi",
    )
    refused(
        "not_answered",
        services.perspective_follow_up,
        user=mentee,
        ask_id=ask_of(request, ben).public_id,
        text="Are you there?",
    )
    assert state() == before


def test_a_follow_up_must_have_words_and_fit(free_three, mentee):
    request, (ana, _, _) = free_three
    asked = answer(ask_of(request, ana))
    before = state()

    for text, code in (("  ", "required"), ("x" * 2001, "too_long"), (None, "required")):
        refused(
            code, services.perspective_follow_up, user=mentee, ask_id=asked.public_id, text=text
        )

    assert state() == before


def test_a_mentor_sees_no_other_answer_before_giving_theirs(free_three):
    request, (ana, ben, cleo) = free_three
    answer(ask_of(request, ana), "Ana's view: " + ANSWER)

    bens = selectors.perspective_ask_get_for_mentor(
        ask_id=ask_of(request, ben).public_id, mentor=ben.user
    )
    assert selectors.answers_visible_to_mentor(ask=bens) == []

    answer(bens, "Ben's view: " + ANSWER)
    bens = selectors.perspective_ask_get_for_mentor(ask_id=bens.public_id, mentor=ben.user)
    seen = selectors.answers_visible_to_mentor(ask=bens)
    assert [(a.mentor, a.answer[:10]) for a in seen] == [(ana, "Ana's view")]

    services.perspective_decline(mentor=cleo.user, ask_id=ask_of(request, cleo).public_id)
    cleos = selectors.perspective_ask_get_for_mentor(
        ask_id=ask_of(request, cleo).public_id, mentor=cleo.user
    )
    assert selectors.answers_visible_to_mentor(ask=cleos) == []
    refused(
        "not_found",
        selectors.perspective_ask_get_for_mentor,
        ask_id=ask_of(request, ana).public_id,
        mentor=ben.user,
    )
