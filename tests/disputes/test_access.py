"""Only the parties, the mediators the case had and staff see a dispute; only the live
mediator acts as mediator; refused steps change nothing; lists read in a pinned number of
queries."""

from datetime import timedelta

import pytest

from headstrt.core.errors import NotFound
from headstrt.disputes import selectors, services
from tests.disputes.cases import case_state, fresh, live_mediator, open_dispute, propose, respond
from tests.factories import UserFactory
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(session, mentee, pool, frozen):
    """A dispute whose first mediator was replaced: one past and one live mediator."""
    dispute = respond(open_dispute(session, mentee))
    frozen.move(hours=72)
    services.disputes_advance()
    return fresh(dispute)


def test_who_sees_the_dispute_and_as_what(case, mentor, mentee, pool, staff):
    first, live, idle = pool.neutral
    assert live_mediator(case) == live.user
    roles = {
        mentee: "opener",
        mentor.user: "respondent",
        live.user: "mediator",
        first.user: "past_mediator",
        staff: "staff",
    }
    for person, role in roles.items():
        seen = selectors.dispute_get_for_viewer(dispute_id=case.public_id, user=person)
        assert selectors.dispute_role(seen, person) == role
    for stranger in (UserFactory(), idle.user, pool.by_session.user):
        with pytest.raises(NotFound):
            selectors.dispute_get_for_viewer(dispute_id=case.public_id, user=stranger)
    with pytest.raises(NotFound):
        selectors.dispute_get_for_viewer(dispute_id="nope", user=staff)


def test_only_the_live_mediator_proposes(case, mentor, mentee, pool, staff):
    first, _, idle = pool.neutral
    before = case_state()
    refused("not_your_case", propose, dispute=case, by=first.user)
    refused("not_your_case", propose, dispute=case, by=mentee)
    refused("not_your_case", propose, dispute=case, by=staff)
    refused("not_found", propose, dispute=case, by=idle.user)
    refused("not_found", propose, dispute=case, by=UserFactory())
    assert case_state() == before


def test_outsiders_cannot_write_answer_or_appeal(case, pool, staff, mentor, mentee):
    first, live, idle = pool.neutral
    before = case_state()
    refused(
        "not_your_case",
        services.dispute_message_send,
        user=first.user,
        dispute_id=case.public_id,
        body="Hello",
    )
    refused(
        "forbidden",
        services.dispute_message_send,
        user=staff,
        dispute_id=case.public_id,
        body="Hello",
    )
    refused(
        "not_found",
        services.dispute_message_send,
        user=idle.user,
        dispute_id=case.public_id,
        body="Hello",
    )
    refused(
        "not_found", services.evidence_add, user=idle.user, dispute_id=case.public_id, text="Look"
    )
    propose(case, "split", 70)
    after_proposal = case_state()
    for person in (live.user, staff):
        refused("forbidden", services.proposal_accept, user=person, dispute_id=case.public_id)
        refused(
            "forbidden",
            services.proposal_appeal,
            user=person,
            dispute_id=case.public_id,
            reason="No",
        )
    refused("not_found", services.proposal_accept, user=idle.user, dispute_id=case.public_id)
    assert case_state() == after_proposal != before


def test_parties_and_the_live_mediator_write_and_everyone_on_the_case_reads(
    case, mentor, mentee, pool, committed
):
    live = pool.neutral[1].user
    with committed():
        services.dispute_message_send(user=live, dispute_id=case.public_id, body="<b>Hi</b>")
        services.dispute_message_send(user=mentee, dispute_id=case.public_id, body="Hello")
    record = selectors.dispute_case(case)
    assert [m.body for m in record.messages] == ["<b>Hi</b>", "Hello"]
    assert [a.action for a in record.audit][-2:] == ["message_sent", "message_sent"]
    assert selectors.dispute_actions(case, live, now=case.deadline - timedelta(hours=1)) == {
        "evidence",
        "message",
        "propose",
    }
    assert selectors.dispute_actions(case, pool.neutral[0].user, now=case.created_at) == set()


def test_actions_follow_the_state(session, mentor, mentee, pool, frozen):
    dispute = open_dispute(session, mentee)
    now = frozen.now
    assert selectors.dispute_actions(dispute, mentor.user, now=now) == {
        "respond",
        "evidence",
        "message",
    }
    assert selectors.dispute_actions(dispute, mentee, now=now) == {"evidence", "message"}
    dispute = respond(dispute)
    propose(dispute, "split", 40)
    dispute = fresh(dispute)
    assert selectors.dispute_actions(dispute, mentee, now=now) == {
        "accept",
        "appeal",
        "evidence",
        "message",
    }
    services.proposal_accept(user=mentee, dispute_id=dispute.public_id)
    assert selectors.dispute_actions(dispute, mentee, now=now) == {"evidence", "message"}
    assert "accept" in selectors.dispute_actions(dispute, mentor.user, now=now)
    assert selectors.dispute_actions(dispute, mentor.user, now=dispute.deadline) == {
        "evidence",
        "message",
    }


# Lists, pinned in queries


def test_dispute_lists_read_in_fixed_queries(
    case, session, mentee, pool, staff, frozen, django_assert_num_queries
):
    live = pool.neutral[1].user
    with django_assert_num_queries(1):
        mine = list(selectors.disputes_of_party(mentee))
        assert [d.booking.mentor.user.display_name for d in mine] == ["Nia Negotiator"]
    with django_assert_num_queries(1):
        queue = list(selectors.mediator_queue(live))
        assert [a.dispute.opener.display_name for a in queue] == ["Mia Mentee"]
    case = selectors.dispute_get_for_viewer(dispute_id=case.public_id, user=staff)
    with django_assert_num_queries(8):
        record = selectors.dispute_case(case)
        assert record.money.status == "frozen"
        assert [a.mediator.user for a in record.assignments] == [pool.neutral[0].user, live]
    with django_assert_num_queries(3):
        overview = selectors.disputes_overview(now=frozen.now)
    assert overview.open_count == 1 and overview.by_status["in_mediation"] == 1
    assert overview.age_buckets[1] == ("1–3 days", 0) and overview.oldest_open == [case]


def test_the_overview_counts_outcomes_and_times(session, mentee, frozen, staff):
    dispute = open_dispute(session, mentee, wanted="split", percent=20)
    frozen.move(hours=48)
    services.disputes_advance()
    overview = selectors.disputes_overview(now=frozen.now)
    assert overview.resolved_count == 1 and overview.share_by_default == 1.0
    assert overview.median_hours == overview.p95_hours == 48.0
    assert overview.outcomes == {"release": 0, "refund": 0, "split": 1}
    assert fresh(dispute).resolved_at == frozen.now
