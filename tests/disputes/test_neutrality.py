"""Neutral mediators: nobody tied to either party (a session, a written answer, a review or a
dispute message between them, or a session with someone who had one with a party) is ever
assigned; the least loaded neutral mediator is; with none available staff are alerted and
the dispute tries again in 24 hours."""

from datetime import timedelta

import pytest

from headstrt.accounts.models import User
from headstrt.accounts.services import account_delete
from headstrt.disputes import services
from headstrt.disputes.mediators import mediators_eligible
from headstrt.disputes.models import Assignment, AuditEntry, DisputeStatus
from headstrt.messaging.models import Message, Notification
from headstrt.network.graph import neighbours, within_two_hops
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from headstrt.reviews.models import Review
from headstrt.scheduling.models import Booking, BookingStatus
from tests.disputes.cases import (
    fresh,
    live_mediator,
    open_dispute,
    propose,
    respond,
    settled_as,
)
from tests.disputes.conftest import mediator
from tests.factories import MentorProfileFactory
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


def unconfirmed_booking(mentor_profile, mentee, frozen) -> Booking:
    """A request that was declined: never confirmed, so no session tie."""
    start = frozen.now + timedelta(days=3)
    return Booking.objects.create(
        mentor=mentor_profile,
        mentee=mentee,
        start=start,
        end=start + timedelta(minutes=30),
        minutes=30,
        price_minor=0,
        currency="EUR",
        status=BookingStatus.DECLINED,
    )


def review_between(author, subject, booking, frozen) -> Review:
    return Review.objects.create(
        booking=booking,
        author=author,
        subject=subject,
        subject_party="mentor",
        stars=4,
        reveal_at=frozen.now,
        created_at=frozen.now,
        updated_at=frozen.now,
    )


# The graph


def test_neighbours_are_people_with_a_confirmed_session_review_or_dispute_message(
    session, mentor, mentee, pool, frozen
):
    assert neighbours([mentee.pk]) == {mentor.user.pk, pool.other_mentor.user.pk}
    assert neighbours([mentor.user.pk]) == {mentee.pk, pool.by_session.user_id}
    reviewer = mediator(display_name="Rui Reviewer")
    never = unconfirmed_booking(MentorProfileFactory(user=reviewer.user), mentee, frozen)
    assert reviewer.user_id not in neighbours([mentee.pk])  # a declined request is no tie
    review_between(mentee, reviewer.user, never, frozen)
    assert reviewer.user_id in neighbours([mentee.pk])
    assert mentee.pk in neighbours([reviewer.user_id])


def test_a_written_answer_ties_the_mentee_and_the_mentor_an_unanswered_ask_does_not(mentee, frozen):
    answerer = mediator(display_name="Ana Answerer")
    request = PerspectiveRequest.objects.create(
        mentee=mentee, question="How do I ask for a raise?", created_at=frozen.now
    )
    ask = PerspectiveAsk.objects.create(
        request=request,
        mentor=MentorProfileFactory(user=answerer.user),
        price_minor=0,
        currency="EUR",
        status=AskStatus.ASKED,
        created_at=frozen.now,
    )
    assert answerer.user_id not in neighbours([mentee.pk])
    ask.status = AskStatus.ANSWERED
    ask.save(update_fields=["status"])
    assert answerer.user_id in neighbours([mentee.pk])
    assert mentee.pk in neighbours([answerer.user_id])


def test_within_two_hops_reaches_the_neighbours_neighbours(session, mentor, mentee, pool):
    near = within_two_hops([mentor.user.pk, mentee.pk])
    assert near == {
        mentor.user.pk,
        mentee.pk,
        pool.by_session.user_id,
        pool.other_mentor.user.pk,
        pool.two_hops.user_id,
    }
    assert not near & {m.user_id for m in pool.neutral}


def test_neighbours_queries_are_bounded(session, mentor, mentee, django_assert_num_queries):
    with django_assert_num_queries(4):
        neighbours([mentor.user.pk, mentee.pk])
    with django_assert_num_queries(8):
        within_two_hops([mentor.user.pk, mentee.pk])


# Assignment


def test_tied_mediators_are_never_assigned(session, mentee, pool):
    dispute = open_dispute(session, mentee)
    assert mediators_eligible(dispute, now=dispute.created_at) == pool.neutral
    respond(dispute)
    assert live_mediator(dispute) == pool.neutral[0].user


def test_a_mediator_tied_by_a_review_is_never_assigned(session, mentor, mentee, pool, frozen):
    reviewed = mediator(display_name="Rui Reviewed")
    booking = unconfirmed_booking(MentorProfileFactory(user=reviewed.user), mentor.user, frozen)
    review_between(reviewed.user, mentor.user, booking, frozen)
    dispute = open_dispute(session, mentee)
    assert reviewed not in mediators_eligible(dispute, now=frozen.now)


def test_a_mediator_who_wrote_on_a_partys_earlier_dispute_is_never_assigned(
    session, mentor, mentee, pool, frozen
):
    # The mentor's earlier dispute with the session-tied person, where a neutral mediator
    # wrote: they are now tied to the mentor.
    earlier = Booking.objects.get(mentee=pool.by_session.user)
    frozen.set(earlier.start + timedelta(minutes=1))
    old = respond(open_dispute(earlier, mentor.user))
    writer = live_mediator(old)
    services.dispute_message_send(user=writer, dispute_id=old.public_id, body="Any notes?")
    assert Message.objects.filter(author=writer, conversation__dispute=old).exists()
    dispute = open_dispute(session, mentee)
    eligible = mediators_eligible(dispute, now=frozen.now)
    assert writer.pk not in {m.user_id for m in eligible} and eligible


def test_the_least_loaded_neutral_mediator_takes_the_case(session, mentee, pool, frozen):
    busy, idle, once = pool.neutral
    other = Booking.objects.get(mentee=pool.two_hops.user)  # a case of someone else
    frozen.set(other.start + timedelta(minutes=1))
    elsewhere = respond(open_dispute(other, pool.two_hops.user))
    assert live_mediator(elsewhere) == pool.by_session.user  # three hops from that case
    Assignment.objects.filter(dispute=elsewhere).update(mediator=busy)
    # ``once`` had a case that ended: more cases overall than ``idle``, same live load.
    Assignment.objects.create(
        dispute=elsewhere,
        mediator=once,
        stage="first",
        assigned_at=frozen.now,
        due_at=frozen.now,
        ended_at=frozen.now,
        end_reason="replaced",
    )
    frozen.set(session.end + timedelta(minutes=5))
    dispute = respond(open_dispute(session, mentee))
    assert live_mediator(dispute) == idle.user


def test_paused_or_inactive_mediators_are_passed_over(session, mentee, pool, frozen):
    first, second, third = pool.neutral
    first.is_active = False
    first.save()
    second.user.paused_until = frozen.now + timedelta(days=3)
    second.user.save()
    dispute = respond(open_dispute(session, mentee))
    assert live_mediator(dispute) == third.user


def test_without_a_neutral_mediator_staff_are_told_and_it_tries_again(
    session, mentee, pool, staff, frozen, committed
):
    for one in pool.neutral:
        one.is_active = False
        one.save()
    dispute = open_dispute(session, mentee)
    frozen.move(hours=1)
    with committed():
        dispute = respond(dispute)
    assert dispute.status == DisputeStatus.IN_MEDIATION and live_mediator(dispute) is None
    assert dispute.deadline == frozen.now + timedelta(hours=24)
    assert Notification.objects.get(recipient=staff).kind == "dispute.no_mediator"
    assert AuditEntry.objects.filter(dispute=dispute, action="no_mediator").count() == 1
    # Still nobody a day later: it waits another day, never without a deadline.
    frozen.move(hours=24)
    assert services.disputes_advance() == 1
    assert fresh(dispute).deadline == frozen.now + timedelta(hours=24)
    # Staff add a mediator; the next run gives them the case.
    added = mediator(display_name="New Neutral")
    frozen.move(hours=24)
    assert services.disputes_advance() == 1
    assert live_mediator(dispute) == added.user
    assert fresh(dispute).deadline == frozen.now + timedelta(hours=72)


def test_an_appeal_never_returns_to_a_mediator_who_had_the_case(session, mentee, pool, frozen):
    dispute = respond(open_dispute(session, mentee))
    frozen.move(hours=72)
    services.disputes_advance()  # the first mediator is replaced
    propose(dispute, "release", None)
    services.proposal_appeal(user=mentee, dispute_id=dispute.public_id, reason="Unfair")
    had = list(Assignment.objects.filter(dispute=dispute).values_list("mediator", flat=True))
    assert len(had) == len(set(had)) == 3
    assert set(had) == {m.pk for m in pool.neutral}
    # A missed appeal deadline with nobody left: staff are alerted, the case waits.
    frozen.move(hours=72)
    assert services.disputes_advance() == 1
    dispute = fresh(dispute)
    assert dispute.status == DisputeStatus.IN_APPEAL and live_mediator(dispute) is None
    assert dispute.deadline == frozen.now + timedelta(hours=24)


def test_with_no_neutral_mediator_for_three_days_the_escrow_is_split_evenly(
    session, mentee, pool, staff, frozen
):
    for one in pool.neutral:
        one.is_active = False
        one.save()
    dispute = respond(open_dispute(session, mentee))

    for _ in range(2):
        frozen.move(hours=24)
        assert services.disputes_advance() == 1
        assert fresh(dispute).status == DisputeStatus.IN_MEDIATION
    frozen.move(hours=24)
    assert services.disputes_advance() == 1

    resolved = fresh(dispute)
    assert (resolved.status, resolved.mentor_percent) == (DisputeStatus.RESOLVED, 50)
    assert resolved.resolved_by_default
    assert settled_as(session, 50, paid=4000)


def test_a_mediator_in_a_dispute_record_cannot_delete_their_account(session, mentee, pool):
    dispute = respond(open_dispute(session, mentee))
    mediating = live_mediator(dispute)
    people = User.objects.count()

    refused("dispute_record", account_delete, user=mediating)

    assert User.objects.count() == people
    assert live_mediator(fresh(dispute)) == mediating
