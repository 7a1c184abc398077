"""The mentor directory and public mentor pages: filters, visibility and query counts."""

from datetime import timedelta

import pytest

from headstrt.accounts import selectors, services
from headstrt.accounts.models import Area, User
from headstrt.accounts.selectors import DirectoryFilters
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import Money
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def mentor(name, *, headline="Here to help", bio="Ask me anything.", topics=(), **kwargs):
    profile = MentorProfileFactory(user__display_name=name, headline=headline, bio=bio, **kwargs)
    for topic in topics:
        ExpertiseEntryFactory(mentor=profile, topic=topic, description="")
    return profile


def names(**filters):
    found = selectors.mentor_directory(filters=DirectoryFilters(**filters))
    return sorted(profile.user.display_name for profile in found)


@pytest.fixture
def taxonomy():
    career = TopicFactory(slug="test-career", name="Test career", area=Area.PROFESSIONAL)
    salary = TopicFactory(
        slug="test-salary", name="Salary negotiation", parent=career, area=Area.PROFESSIONAL
    )
    family = TopicFactory(slug="test-family", name="Family", area=Area.SOCIAL)
    teens = TopicFactory(
        slug="test-teens", name="Talking with teenagers", parent=family, area=Area.SOCIAL
    )
    return {"career": career, "salary": salary, "family": family, "teens": teens}


def test_without_filters_every_listed_mentor_appears_newest_first():
    first = mentor("First")
    second = mentor("Second")

    found = list(selectors.mentor_directory(filters=DirectoryFilters()))

    assert found == [second, first]


def test_paused_mentors_and_deactivated_people_are_not_listed():
    mentor("Listed")
    mentor("Paused", is_active=False)
    mentor("Deactivated", user__is_active=False)

    assert names() == ["Listed"]


def test_a_pause_for_lapses_hides_a_mentor_until_it_ends():
    ended = mentor("Pause Ended")
    paused = mentor("Paused")
    User.objects.filter(pk=ended.user_id).update(paused_until=clock.now() - timedelta(hours=1))
    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() + timedelta(hours=1))

    assert names() == ["Pause Ended"]


def test_pages_follow_one_another_in_the_directory_order():
    newest_first = [mentor(f"Mentor {index}").user.display_name for index in range(5)][::-1]

    pages = [
        selectors.mentor_directory_page(filters=DirectoryFilters(), number=number, size=2)
        for number in (1, 2, 3)
    ]

    shown = [profile.user.display_name for page in pages for profile in page.items]
    assert shown == newest_first
    assert [(page.total, page.is_total_exact, page.has_next) for page in pages] == [
        (5, True, True),
        (5, True, True),
        (5, True, False),
    ]


def test_every_query_word_must_match_somewhere(taxonomy):
    mentor("Ana", headline="Negotiation coach", bio="Former recruiter.")
    mentor("Ben", headline="Career changes", bio="I negotiate offers.", topics=[taxonomy["salary"]])
    mentor("Chloe Recruiter", headline="Parenting", bio="Two teenagers.")

    assert names(query="negotiat") == ["Ana", "Ben"]
    assert names(query="NEGOTIATION recruiter") == ["Ana"]
    assert names(query="salary") == ["Ben"]  # the expertise topic's name
    assert names(query="recruiter") == ["Ana", "Chloe Recruiter"]  # bio or display name
    assert names(query="astrophysics") == []


def test_search_finds_the_mentors_with_each_word_within_one_of_their_fields(taxonomy):
    mentors = [
        mentor("Ana Quill", headline="Negotiation coach", topics=[taxonomy["salary"]]),
        mentor(
            "Ben", headline="Career changes", bio="Teens, 100% offers.", topics=[taxonomy["teens"]]
        ),
        mentor("Chloe", headline="Quiet parenting", bio="Two kids."),
    ]
    ExpertiseEntryFactory(
        mentor=mentors[2], topic=taxonomy["family"], description="Bedtime negotiations"
    )

    def fields(profile):
        entries = profile.expertise.select_related("topic")
        own = [profile.user.display_name, profile.headline, profile.bio]
        return own + [text for entry in entries for text in (entry.topic.name, entry.description)]

    for query in ["negotiat", "QUI", "teen", "family BEDTIME", "100%", "0%", "s_", "coach kids",
                  "es.", "ask", "chloe two", "coachask"]:  # fmt: skip
        words = query.lower().split()
        expected = sorted(
            profile.user.display_name
            for profile in mentors
            if all(any(word in field.lower() for field in fields(profile)) for word in words)
        )
        assert names(query=query) == expected, query


def test_area_filters_by_the_area_of_an_expertise_entry(taxonomy):
    mentor("Pro", topics=[taxonomy["salary"]])
    mentor("Social", topics=[taxonomy["teens"]])
    mentor("Nothing listed")

    assert names(area="social") == ["Social"]
    assert names(area="professional") == ["Pro"]
    assert names(area="personal") == []


def test_a_parent_topic_also_finds_mentors_of_its_child_topics(taxonomy):
    mentor("Salary expert", topics=[taxonomy["salary"]])
    mentor("Career generalist", topics=[taxonomy["career"]])
    mentor("Parent of teens", topics=[taxonomy["teens"]])

    assert names(topic="test-career") == ["Career generalist", "Salary expert"]
    assert names(topic="test-salary") == ["Salary expert"]
    assert names(topic="test-family") == ["Parent of teens"]


def test_language_filters_by_spoken_language():
    mentor("Hindi speaker", user__languages=["hi", "en"])
    mentor("French speaker", user__languages=["fr"])

    assert names(language="hi") == ["Hindi speaker"]
    assert names(language="en") == ["Hindi speaker"]


def test_max_price_keeps_mentors_with_an_offer_at_or_below_it_in_that_currency():
    mentor("Cheap", offers={30: 2000, 60: 9000})
    mentor("Exact", offers={30: 4000})
    mentor("Dear", offers={30: 8000})
    mentor("Free", offers={15: 0})
    mentor("Dollars", currency="USD", offers={30: 100})

    assert names(max_price=Money(4000, "EUR")) == ["Cheap", "Exact", "Free"]
    assert names(max_price=Money(0, "EUR")) == ["Free"]
    assert names(max_price=Money(500, "USD")) == ["Dollars"]


def test_filters_combine_and_the_cheapest_offer_is_annotated(taxonomy):
    mentor(
        "Match", topics=[taxonomy["salary"]], offers={30: 3000, 60: 5000}, user__languages=["fr"]
    )
    mentor("Wrong language", topics=[taxonomy["salary"]], offers={30: 3000})
    mentor("Too dear", topics=[taxonomy["salary"]], offers={30: 9000}, user__languages=["fr"])

    (found,) = selectors.mentor_directory(
        filters=DirectoryFilters(
            query="negotiation", topic="test-career", language="fr", max_price=Money(3000, "EUR")
        )
    )

    assert found.user.display_name == "Match"
    assert found.min_price_minor == 3000


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"area": "spiritual"}, "unknown_area"),
        ({"query": "x" * 201}, "too_long"),
        ({"topic": "test-no-such-topic"}, "unknown_topic"),
        ({"language": "zz"}, "unknown_language"),
    ],
)
def test_unknown_filter_values_are_refused(filters, code):
    with pytest.raises(DomainError) as caught:
        list(selectors.mentor_directory(filters=DirectoryFilters(**filters)))

    assert caught.value.code == code


def test_the_directory_costs_the_same_queries_for_any_number_of_mentors(
    taxonomy, django_assert_num_queries
):
    for number in range(4):
        mentor(
            f"Mentor {number}",
            topics=[taxonomy["salary"], taxonomy["teens"]],
            user__languages=["en", "fr"],
            offers={15: 0, 30: 1000},
        )

    # One for the mentors, one each for offers, languages and expertise with topics.
    with django_assert_num_queries(4):
        for profile in selectors.mentor_directory(filters=DirectoryFilters()):
            [offer.price_minor for offer in profile.offers.all()]
            [language.name for language in profile.user.languages.all()]
            [entry.topic.path for entry in profile.expertise.all()]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (None, "EUR", None),
        ("", "EUR", None),
        ("12.50", "eur", Money(1250, "EUR")),
        ("40", None, Money(4000, "EUR")),
    ],
)
def test_a_price_filter_is_read_in_major_units(amount, currency, expected):
    assert selectors.parse_price_filter(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("-5", "EUR", "invalid_price"),
        ("cheap", "EUR", "invalid_amount"),
        ("5", "XYZ", "unknown_currency"),
    ],
)
def test_a_bad_price_filter_is_refused(amount, currency, code):
    with pytest.raises(DomainError) as caught:
        selectors.parse_price_filter(amount, currency)

    assert caught.value.code == code


def test_a_listed_mentor_is_public():
    profile = mentor("Public")

    assert selectors.mentor_get_public(public_id=profile.user.public_id, viewer=None) == profile
    assert selectors.mentor_get_public(public_id=profile.user.public_id, viewer=UserFactory()) == (
        profile
    )


def test_a_paused_mentor_is_hidden_from_others_but_visible_to_the_owner():
    profile = mentor("Paused")
    services.mentor_profile_set_active(user=profile.user, is_active=False)

    for viewer in (None, UserFactory()):
        with pytest.raises(NotFound):
            selectors.mentor_get_public(public_id=profile.user.public_id, viewer=viewer)
    assert selectors.mentor_get_public(public_id=profile.user.public_id, viewer=profile.user) == (
        profile
    )


def test_a_deactivated_persons_profile_is_hidden_and_unknown_ids_are_not_found():
    profile = mentor("Deactivated", user__is_active=False)

    with pytest.raises(NotFound):
        selectors.mentor_get_public(public_id=profile.user.public_id, viewer=UserFactory())
    with pytest.raises(NotFound):
        selectors.mentor_get_public(public_id="nosuchperson", viewer=None)
    with pytest.raises(NotFound):
        selectors.mentor_get_public(public_id=UserFactory().public_id, viewer=None)


def test_pausing_needs_a_mentor_profile():
    with pytest.raises(DomainError) as caught:
        services.mentor_profile_set_active(user=UserFactory(), is_active=False)

    assert caught.value.code == "no_mentor_profile"
