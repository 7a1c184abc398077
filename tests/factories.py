"""factory_boy factories for the domain models."""

import factory
from django.contrib.auth.hashers import make_password

from headstrt.accounts.models import (
    Area,
    ExpertiseEntry,
    Language,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    Topic,
    User,
)
from headstrt.accounts.search_text import mentor_search_text_refresh
from headstrt.matching.models import Situation, SituationShare

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    time_zone = "Europe/Paris"
    password = factory.LazyFunction(lambda: make_password(PASSWORD))

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users are verified unless ``verified=False``: allauth requires it to log in."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            self.languages.set(Language.objects.filter(code__in=extracted or ["en"]))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    area = Area.PROFESSIONAL


class MentorProfileFactory(factory.django.DjangoModelFactory):
    """A mentor profile whose search text is written as the services write it."""

    class Meta:
        model = MentorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    headline = factory.Faker("sentence", nb_words=6)
    bio = factory.Faker("paragraph", nb_sentences=4)
    currency = "EUR"
    weekly_capacity = 5
    is_active = True

    @factory.post_generation
    def offers(self, create, extracted, **kwargs):
        """``offers={30: 4000}`` maps minutes to minor units; default one 30-minute offer."""
        if create:
            for minutes, price in (extracted or {30: 4000}).items():
                SessionOffer.objects.create(mentor=self, minutes=minutes, price_minor=price)

    @factory.post_generation
    def search_text_refresh(self, create, extracted, **kwargs):
        if create:
            mentor_search_text_refresh(MentorProfile.objects.filter(pk=self.pk))


class ExpertiseEntryFactory(factory.django.DjangoModelFactory):
    """An area of expertise, added to its mentor's search text as the services add it."""

    class Meta:
        model = ExpertiseEntry
        skip_postgeneration_save = True

    mentor = factory.SubFactory(MentorProfileFactory)
    topic = factory.SubFactory(TopicFactory)
    area = factory.SelfAttribute("topic.area")
    description = factory.Faker("sentence")
    years = 5

    @factory.post_generation
    def search_text_refresh(self, create, extracted, **kwargs):
        if create:
            mentor_search_text_refresh(MentorProfile.objects.filter(pk=self.mentor_id))


class MenteeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MenteeProfile

    user = factory.SubFactory(UserFactory)
    goals = factory.Faker("sentence")


class SituationFactory(factory.django.DjangoModelFactory):
    """A saved situation (not checked by the service: build bad ones on purpose if needed)."""

    class Meta:
        model = Situation
        skip_postgeneration_save = True

    mentee = factory.SubFactory(UserFactory)
    text = factory.Faker("paragraph", nb_sentences=3)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        """``languages=["fr"]`` sets the languages a mentor must speak; default any."""
        if create and extracted:
            self.languages.set(Language.objects.filter(code__in=extracted))

    @factory.post_generation
    def shared_with(self, create, extracted, **kwargs):
        """``shared_with=[user, ...]`` lets those people read it."""
        if create:
            for mentor in extracted or ():
                SituationShare.objects.create(situation=self, mentor=mentor)


def directory_sample() -> None:
    """Two mentors that the directory filters tell apart (see ``DIRECTORY_FILTER_CASES``)."""
    career = TopicFactory(name="Career", slug="test-career", area=Area.PROFESSIONAL)
    salary = TopicFactory(name="Salary", parent=career, area=Area.PROFESSIONAL)
    family = TopicFactory(name="Family", area=Area.PERSONAL)
    ExpertiseEntryFactory(
        mentor=MentorProfileFactory(
            user__display_name="Pay Expert", offers={30: 3000}, user__languages=["fr"]
        ),
        topic=salary,
    )
    ExpertiseEntryFactory(
        mentor=MentorProfileFactory(user__display_name="Home Expert", offers={30: 9000}),
        topic=family,
        description="Parenting teenagers",
    )


# Filters over ``directory_sample()`` and the names they must leave, for the web and the API.
DIRECTORY_FILTER_CASES = [
    ({"q": "teenagers"}, ["Home Expert"]),
    ({"area": "professional"}, ["Pay Expert"]),
    ({"topic": "test-career"}, ["Pay Expert"]),
    ({"language": "fr"}, ["Pay Expert"]),
    ({"max_price": "50", "currency": "EUR"}, ["Pay Expert"]),
    ({"max_price": "50.00", "currency": "USD"}, []),
]


def _now():
    """The platform's clock, which tests may have stopped or moved."""
    from headstrt.core import clock

    return clock.now()


class PerspectiveRequestFactory(factory.django.DjangoModelFactory):
    """A question saved as posted (not checked by the service), open for offers by default."""

    class Meta:
        model = "perspectives.PerspectiveRequest"
        skip_postgeneration_save = True

    mentee = factory.SubFactory(UserFactory)
    question = factory.Faker("paragraph", nb_sentences=3)
    open = True
    created_at = factory.LazyFunction(_now)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        """``languages=["fr"]`` sets the languages answers must be in; default any."""
        if create and extracted:
            self.languages.set(Language.objects.filter(code__in=extracted))
