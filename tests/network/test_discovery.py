"""Discovery: mentors people within two steps rated highly, for a topic and its sub-topics;
never oneself, blocked mentors, low or unreadable ratings, or people further away."""

import pytest

from headstrt.core.errors import DomainError
from headstrt.matching.models import MentorBlock
from headstrt.messaging.models import Block
from headstrt.network.discovery import mentors_rated_by_network, network_discovery
from tests.network.world import PAST, mentor, person, review, session

pytestmark = pytest.mark.django_db


def picks(user, **kwargs):
    return [
        (p.mentor, p.reviewers, p.average) for p in mentors_rated_by_network(user=user, **kwargs)
    ]


def test_mentors_rated_highly_within_two_steps_ranked_by_reviewers(around):
    # Dee (two steps from Ana) rated Eve 5 on salary talks; Bo's session with Dee has no review.
    assert picks(around.ana) == [(around.eve, 1, 5.0)]
    gus = person("Gus Tan")
    session(around.cy, gus)  # two steps from Ana, through Cy
    review(session(around.bo, gus, about=around.salary), stars=4)
    review(session(around.eve, gus), stars=4)
    assert picks(around.ana) == [(around.eve, 2, 4.5), (around.bo, 1, 4.0)]


def test_a_topic_covers_its_sub_topics_and_names_itself(around):
    found = network_discovery(user=around.ana, topic="net-career")
    assert [(p.mentor, p.topic.slug) for p in found.picks] == [(around.eve, "net-career")]
    assert [(t.slug, t.path) for t in found.topics] == [
        ("net-salary-talks", "Career › Salary talks")
    ]
    assert mentors_rated_by_network(user=around.ana, topic="net-moving-abroad") == []
    assert mentors_rated_by_network(user=around.ana)[0].topic.slug == "net-salary-talks"


def test_low_blind_far_own_and_blocked_ratings_are_left_out(around):
    dee = around.dee
    review(session(mentor("Low Rated"), dee), stars=3)
    review(session(mentor("Still Blind"), dee), stars=5, revealed=False)
    far = person("Far Away")
    review(session(around.eve, far), stars=5)
    session(mentor("Hal Far"), far)
    assert picks(around.ana) == [(around.eve, 1, 5.0)]
    MentorBlock.objects.create(mentee=around.ana, mentor=around.eve.user)
    assert picks(around.ana) == []
    MentorBlock.objects.all().delete()
    Block.objects.create(blocker=around.ana, blocked=around.eve.user, created_at=PAST)
    assert picks(around.ana) == []
    Block.objects.all().delete()
    around.eve.is_active = False
    around.eve.save(update_fields=["is_active"])
    assert picks(around.ana) == []


def test_a_mentor_is_never_suggested_to_themselves(around):
    review(session(around.bo, around.dee), stars=4)
    assert picks(around.eve.user) == [(around.bo, 1, 4.0)]  # Dee's 5 stars for Eve left out


def test_an_unknown_topic_is_refused(around):
    with pytest.raises(DomainError) as refused:
        network_discovery(user=around.ana, topic="no-such-topic")
    assert (refused.value.code, refused.value.status) == ("unknown_topic", 422)


def test_discovery_costs_a_fixed_number_of_queries(around, django_assert_num_queries):
    # two steps 8, reviews of the network 1, mentors 1, topics 1
    with django_assert_num_queries(11):
        network_discovery(user=around.ana)
    for index in range(4):
        review(session(mentor(f"Mentor {index}"), around.dee), stars=5)
    with django_assert_num_queries(11):
        network_discovery(user=around.ana)
