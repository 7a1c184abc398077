"""Email preferences: categories, the default, saving choices and refusing bad ones."""

from datetime import UTC, datetime

import pytest

from headstrt.core.errors import DomainError
from headstrt.messaging.models import EmailPreference
from headstrt.messaging.preferences import (
    CATEGORIES,
    category_named,
    category_of,
    email_choices,
    email_preference_set,
    email_preferences_set,
    email_wanted,
)
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)

frozen = frozen_at(NOW)


@pytest.fixture
def person(db):
    return UserFactory()


def stored(person) -> dict[str, bool]:
    return dict(EmailPreference.objects.filter(person=person).values_list("category", "email"))


def chosen(person) -> dict[str, bool]:
    return {choice.category.key: choice.email for choice in email_choices(user=person)}


def test_each_kind_belongs_to_the_category_before_its_dot():
    assert category_of("booking.confirmed").label == "Sessions"
    assert category_of("message.received").label == "Messages"
    assert category_of("reliability.pause").key == "reliability"
    for kind in ("gossip.heard", "bookingconfirmed", ".confirmed"):
        with pytest.raises(ValueError):
            category_of(kind)


def test_every_category_has_a_label_and_a_description_and_only_disputes_are_always_sent():
    assert [category.key for category in CATEGORIES] == [
        "booking",
        "panel",
        "group",
        "message",
        "perspectives",
        "review",
        "outcome",
        "reliability",
        "dispute",
    ]
    assert all(category.label and category.description for category in CATEGORIES)
    assert [category.key for category in CATEGORIES if category.always] == ["dispute"]
    assert category_named("review").label == "Reviews"
    assert category_named("nothing") is None and category_named(3) is None


def test_everything_is_emailed_until_a_person_says_otherwise(person, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert set(chosen(person).values()) == {True}
    with django_assert_num_queries(1):
        assert email_wanted(user=person, category=category_named("booking")) is True


def test_turning_email_off_and_on_stores_only_what_differs_from_the_default(person):
    other = UserFactory()
    email_preferences_set(user=other, choices={"message": False})

    after = email_preferences_set(user=person, choices={"message": False, "review": False})

    assert stored(person) == {"message": False, "review": False}
    assert {choice.category.key for choice in after if not choice.email} == {"message", "review"}
    assert email_wanted(user=person, category=category_named("message")) is False
    assert EmailPreference.objects.get(person=person, category="review").updated_at == NOW

    email_preferences_set(user=person, choices={"message": True, "review": False})

    assert stored(person) == {"review": False}
    assert chosen(person)["message"] is True and chosen(person)["review"] is False
    assert stored(other) == {"message": False}


def test_saving_the_same_choice_twice_changes_nothing(person):
    email_preference_set(user=person, category=category_named("booking"), email=False)
    email_preference_set(user=person, category=category_named("booking"), email=False)

    assert stored(person) == {"booking": False}


def test_disputes_are_emailed_whatever_is_stored(person, django_assert_num_queries):
    EmailPreference.objects.create(person=person, category="dispute", email=False, updated_at=NOW)

    with django_assert_num_queries(0):
        assert email_wanted(user=person, category=category_named("dispute")) is True
    assert chosen(person)["dispute"] is True


@pytest.mark.parametrize(
    ("choices", "code", "named"),
    [
        ({"booking": False, "gossip": False, "news": True}, "unknown_category", "“gossip”, “news”"),
        ({"booking": False, "dispute": False}, "email_always_sent", "“disputes”"),
        ({"booking": False, "review": "no"}, "invalid", "“review”"),
        ({"booking": False, 7: True}, "unknown_category", "“7”"),
    ],
)
def test_bad_choices_are_refused_by_name_and_nothing_changes(person, choices, code, named):
    email_preferences_set(user=person, choices={"panel": False})

    with pytest.raises(DomainError) as refused:
        email_preferences_set(user=person, choices=choices)

    assert (refused.value.code, refused.value.status) == (code, 422)
    assert named in refused.value.message
    assert stored(person) == {"panel": False}


def test_turning_disputes_on_is_allowed_and_stores_nothing(person):
    email_preferences_set(user=person, choices={"dispute": True})

    assert stored(person) == {}
