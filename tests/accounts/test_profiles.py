"""Profile services: account details, mentor and mentee profiles, expertise, working style."""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from headstrt.accounts import services
from headstrt.accounts.models import (
    Area,
    ExpertiseEntry,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    User,
    WorkingStyle,
)
from headstrt.core.errors import DomainError, NotFound
from tests.factories import (
    ExpertiseEntryFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(code, field, call, **kwargs):
    """Run a service that must refuse with ``code`` on ``field``; return the error."""
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    return caught.value


def offers_of(user):
    return dict(
        SessionOffer.objects.filter(mentor__user=user).values_list("minutes", "price_minor")
    )


# --- account details ------------------------------------------------------------------------


def test_user_update_changes_name_time_zone_and_languages():
    user = UserFactory(display_name="Old Name", languages=["en"])

    services.user_update(
        user=user, display_name="  New Name ", time_zone="America/Sao_Paulo", languages=["FR", "hi"]
    )

    stored = User.objects.get(pk=user.pk)
    assert stored.display_name == "New Name"
    assert stored.time_zone == "America/Sao_Paulo"
    assert sorted(stored.languages.values_list("code", flat=True)) == ["fr", "hi"]


def test_user_update_keeps_what_is_not_given():
    user = UserFactory(display_name="Kept", time_zone="Asia/Tokyo", languages=["en", "fr"])

    services.user_update(user=user, languages=[])

    stored = User.objects.get(pk=user.pk)
    assert (stored.display_name, stored.time_zone) == ("Kept", "Asia/Tokyo")
    assert not stored.languages.exists()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"time_zone": "Europe/Atlantis"}, "unknown_time_zone", "time_zone"),
        ({"languages": ["en", "zz"]}, "unknown_language", "languages"),
        (
            {"languages": ["en", "fr", "de", "es", "it", "pt", "hi", "ja", "zh", "ar", "ru"]},
            "too_many_languages",
            "languages",
        ),
        ({"display_name": "x" * 81}, "too_long", "display_name"),
        ({"display_name": "   "}, "required", "display_name"),
    ],
)
def test_user_update_refuses_bad_input_and_changes_nothing(changes, code, field):
    user = UserFactory(display_name="Before", time_zone="Europe/Paris", languages=["en"])
    # Every other argument is valid, so a partial write would show.
    arguments = {"display_name": "After", "time_zone": "Asia/Tokyo", "languages": ["fr"]}

    refused(code, field, services.user_update, user=user, **{**arguments, **changes})

    stored = User.objects.get(pk=user.pk)
    assert (stored.display_name, stored.time_zone) == ("Before", "Europe/Paris")
    assert list(stored.languages.values_list("code", flat=True)) == ["en"]
    assert (user.display_name, user.time_zone) == ("Before", "Europe/Paris")


def test_user_update_message_names_the_unknown_time_zone():
    error = refused(
        "unknown_time_zone",
        "time_zone",
        services.user_update,
        user=UserFactory(),
        time_zone="Mars/Olympus",
    )

    assert "Mars/Olympus" in error.message


# --- mentor profile -------------------------------------------------------------------------


def profile_arguments(**overrides):
    return {
        "headline": "Salary talks without the dread",
        "bio": "Ten years of hiring and being hired.",
        "currency": "EUR",
        "offers": {30: 4000, 60: 7000},
        "weekly_capacity": 5,
        **overrides,
    }


def test_mentor_profile_save_opens_a_profile_with_its_offers():
    user = UserFactory()

    profile = services.mentor_profile_save(user=user, **profile_arguments(currency="eur"))

    stored = MentorProfile.objects.get(user=user)
    assert stored.pk == profile.pk
    assert stored.headline == "Salary talks without the dread"
    assert (stored.currency, stored.weekly_capacity, stored.is_active) == ("EUR", 5, True)
    assert offers_of(user) == {30: 4000, 60: 7000}


def test_mentor_profile_save_updates_in_place_and_replaces_the_offers():
    user = UserFactory()
    first = services.mentor_profile_save(user=user, **profile_arguments())

    second = services.mentor_profile_save(
        user=user, **profile_arguments(headline="Now free", offers={15: 0, 30: 2500})
    )

    assert second.pk == first.pk
    assert MentorProfile.objects.filter(user=user).count() == 1
    assert MentorProfile.objects.get(user=user).headline == "Now free"
    assert offers_of(user) == {15: 0, 30: 2500}


def test_mentor_profile_save_can_pause_the_profile():
    user = UserFactory()

    services.mentor_profile_save(user=user, is_active=False, **profile_arguments())

    assert MentorProfile.objects.get(user=user).is_active is False


def test_mentor_profile_bio_keeps_markup_verbatim():
    user = UserFactory()
    bio = '<script>alert("hi")</script><b>Bold</b> & <a href="javascript:x">link</a>'

    services.mentor_profile_save(user=user, **profile_arguments(bio=bio))

    # Escaping is the template's job; the stored text is exactly what the person typed.
    assert MentorProfile.objects.get(user=user).bio == bio


def test_yen_prices_are_limited_in_whole_yen():
    user = UserFactory()

    services.mentor_profile_save(
        user=user, **profile_arguments(currency="JPY", offers={30: 10_000})
    )
    refused(
        "invalid_price",
        "price",
        services.mentor_profile_save,
        user=user,
        **profile_arguments(currency="JPY", offers={30: 10_001}),
    )

    assert offers_of(user) == {30: 10_000}


BAD_PROFILES = [
    ({"offers": {30: -100}}, "invalid_price", "price"),
    ({"offers": {30: 1_000_001}}, "invalid_price", "price"),
    ({"offers": {30: 12.5}}, "invalid_price", "price"),
    ({"offers": {30: True}}, "invalid_price", "price"),
    ({"offers": {30: 1000, 20: 1000}}, "invalid_session_length", "offers"),
    ({"offers": {}}, "no_session_lengths", "offers"),
    ({"currency": "XYZ"}, "unknown_currency", "currency"),
    ({"headline": "h" * 121}, "too_long", "headline"),
    ({"headline": ""}, "required", "headline"),
    ({"bio": "b" * 4001}, "too_long", "bio"),
    ({"weekly_capacity": 0}, "out_of_range", "weekly_capacity"),
    ({"weekly_capacity": 41}, "out_of_range", "weekly_capacity"),
]


@pytest.mark.parametrize(("changes", "code", "field"), BAD_PROFILES)
def test_a_refused_first_profile_saves_neither_profile_nor_offers(changes, code, field):
    user = UserFactory()

    refused(code, field, services.mentor_profile_save, user=user, **profile_arguments(**changes))

    assert not MentorProfile.objects.filter(user=user).exists()
    assert not SessionOffer.objects.filter(mentor__user=user).exists()


@pytest.mark.parametrize(("changes", "code", "field"), BAD_PROFILES)
def test_a_refused_update_leaves_the_profile_and_offers_as_they_were(changes, code, field):
    user = UserFactory()
    services.mentor_profile_save(user=user, **profile_arguments(headline="Before"))

    refused(
        code,
        field,
        services.mentor_profile_save,
        user=user,
        **profile_arguments(**{"headline": "After", "offers": {15: 500}, **changes}),
    )

    assert MentorProfile.objects.get(user=user).headline == "Before"
    assert offers_of(user) == {30: 4000, 60: 7000}


offer_minutes = st.one_of(st.sampled_from([15, 30, 45, 60]), st.integers(-10, 120))
offer_prices = st.one_of(
    st.integers(-5_000, 1_500_000),
    st.integers(0, 1_000_000),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offers=st.one_of(
        st.dictionaries(st.sampled_from([15, 30, 45, 60]), st.integers(0, 1_000_000), max_size=4),
        st.dictionaries(offer_minutes, offer_prices, max_size=5),
    )
)
def test_mentor_profile_save_never_leaves_a_half_written_profile(offers):
    # Every example runs in the same test transaction, so the person is made once and each
    # example first puts the profile back into a known state.
    user = User.objects.filter(email="property@example.org").first() or UserFactory(
        email="property@example.org"
    )
    services.mentor_profile_save(user=user, **profile_arguments(offers={45: 1234}))

    try:
        services.mentor_profile_save(user=user, **profile_arguments(headline="New", offers=offers))
    except DomainError:
        event("refused")
        assert MentorProfile.objects.get(user=user).headline == profile_arguments()["headline"]
        assert offers_of(user) == {45: 1234}
    else:
        event("saved")
        assert MentorProfile.objects.get(user=user).headline == "New"
        assert offers_of(user) == offers


# --- expertise ------------------------------------------------------------------------------


@pytest.fixture
def mentor():
    return MentorProfileFactory().user


def test_expertise_takes_its_area_from_the_topic_unless_given(mentor):
    family = TopicFactory(slug="test-family-talks", area=Area.SOCIAL)
    grief = TopicFactory(slug="test-grief", area=Area.PERSONAL)

    defaulted = services.mentor_expertise_add(user=mentor, topic="test-family-talks", years=3)
    chosen = services.mentor_expertise_add(
        user=mentor, topic="test-grief", years=2, area="social", description="Loss at work"
    )

    assert (defaulted.topic, defaulted.area) == (family, "social")
    assert (chosen.topic, chosen.area, chosen.description) == (grief, "social", "Loss at work")
    assert ExpertiseEntry.objects.filter(mentor__user=mentor).count() == 2


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"topic": "test-no-such-topic"}, "unknown_topic", "topic"),
        ({"area": "spiritual"}, "unknown_area", "area"),
        ({"years": 71}, "out_of_range", "years"),
        ({"years": -1}, "out_of_range", "years"),
        ({"description": "d" * 301}, "too_long", "description"),
    ],
)
def test_bad_expertise_is_refused_and_nothing_added(mentor, changes, code, field):
    TopicFactory(slug="test-budgeting")

    refused(
        code,
        field,
        services.mentor_expertise_add,
        user=mentor,
        **{"topic": "test-budgeting", "years": 4, **changes},
    )

    assert not ExpertiseEntry.objects.filter(mentor__user=mentor).exists()


def test_the_same_topic_cannot_be_listed_twice(mentor):
    TopicFactory(slug="test-budgeting")
    services.mentor_expertise_add(user=mentor, topic="test-budgeting", years=4)

    error = refused(
        "duplicate_expertise",
        "topic",
        services.mentor_expertise_add,
        user=mentor,
        topic="test-budgeting",
        years=9,
    )

    assert error.status == 409
    assert list(ExpertiseEntry.objects.filter(mentor__user=mentor).values_list("years")) == [(4,)]


def test_a_profile_holds_at_most_twenty_expertise_entries(mentor):
    profile = mentor.mentor_profile
    for number in range(services.MAX_EXPERTISE_ENTRIES):
        ExpertiseEntryFactory(mentor=profile, topic=TopicFactory(slug=f"test-cap-{number}"))
    TopicFactory(slug="test-one-too-many")

    refused(
        "too_many_expertise_entries",
        None,
        services.mentor_expertise_add,
        user=mentor,
        topic="test-one-too-many",
        years=1,
    )

    assert profile.expertise.count() == services.MAX_EXPERTISE_ENTRIES


def test_expertise_needs_a_mentor_profile_first():
    TopicFactory(slug="test-budgeting")

    error = refused(
        "no_mentor_profile",
        None,
        services.mentor_expertise_add,
        user=UserFactory(),
        topic="test-budgeting",
        years=1,
    )

    assert error.status == 409


def test_a_mentor_removes_their_own_expertise_entry(mentor):
    entry = ExpertiseEntryFactory(mentor=mentor.mentor_profile)

    services.mentor_expertise_remove(user=mentor, entry_id=entry.public_id)

    assert not ExpertiseEntry.objects.filter(pk=entry.pk).exists()


def test_nobody_removes_another_persons_expertise_entry(mentor):
    entry = ExpertiseEntryFactory()

    with pytest.raises(NotFound):
        services.mentor_expertise_remove(user=mentor, entry_id=entry.public_id)
    with pytest.raises(NotFound):
        services.mentor_expertise_remove(user=mentor, entry_id="nosuchentry2")

    assert ExpertiseEntry.objects.filter(pk=entry.pk).exists()


# --- mentee profile and working style -------------------------------------------------------


def test_mentee_profile_save_records_interests_and_goals_and_replaces_them():
    user = UserFactory()
    TopicFactory(slug="test-public-speaking")
    TopicFactory(slug="test-negotiation")
    TopicFactory(slug="test-parenting", area=Area.SOCIAL)

    services.mentee_profile_save(
        user=user, interests=["test-public-speaking", "test-negotiation"], goals="Speak up"
    )
    services.mentee_profile_save(user=user, interests=[" test-parenting "], goals="Listen more")

    profile = MenteeProfile.objects.get(user=user)
    assert profile.goals == "Listen more"
    assert list(profile.interests.values_list("slug", flat=True)) == ["test-parenting"]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"interests": ["test-known", "test-unknown"]}, "unknown_topic", "interests"),
        ({"interests": [f"test-i-{n}" for n in range(21)]}, "too_many_interests", "interests"),
        ({"goals": "g" * 2001}, "too_long", "goals"),
    ],
)
def test_a_refused_mentee_profile_changes_nothing(changes, code, field):
    TopicFactory(slug="test-known")
    profile = MenteeProfileFactory(goals="Before")
    profile.interests.set([TopicFactory(slug="test-old-interest")])

    refused(
        code,
        field,
        services.mentee_profile_save,
        user=profile.user,
        **{"interests": ["test-known"], "goals": "After", **changes},
    )

    profile.refresh_from_db()
    assert profile.goals == "Before"
    assert list(profile.interests.values_list("slug", flat=True)) == ["test-old-interest"]


def test_working_style_is_saved_and_repeated_values_count_once():
    user = UserFactory()

    services.working_style_save(
        user=user,
        communication="write",
        directness=5,
        pace=2,
        values=["honesty", "rigor", "honesty"],
    )

    style = WorkingStyle.objects.get(user=user)
    assert (style.communication, style.directness, style.pace) == ("write", 5, 2)
    assert style.values == ["honesty", "rigor"]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"communication": "telepathy"}, "invalid_choice", "communication"),
        ({"values": ["honesty", "wealth"]}, "invalid_choice", "values"),
        ({"values": ["honesty", "rigor", "growth", "balance"]}, "too_many_values", "values"),
        ({"directness": 0}, "out_of_range", "directness"),
        ({"pace": 6}, "out_of_range", "pace"),
        ({"pace": "3"}, "invalid_number", "pace"),
    ],
)
def test_bad_working_style_answers_are_refused(changes, code, field):
    user = UserFactory()

    refused(
        code,
        field,
        services.working_style_save,
        user=user,
        **{"communication": "talk", "directness": 3, "pace": 3, "values": ["empathy"], **changes},
    )

    assert not WorkingStyle.objects.filter(user=user).exists()
