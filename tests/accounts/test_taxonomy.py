"""The expertise taxonomy seeded by the migrations: size, shape, slugs and staff edits."""

import pytest
from django.utils.text import slugify

from headstrt.accounts.models import Area, Topic
from headstrt.accounts.taxonomy import taxonomy_seed, taxonomy_seeds

pytestmark = pytest.mark.django_db


def test_migrations_seed_every_topic_of_the_file():
    assert len(taxonomy_seeds()) >= 170
    assert Topic.objects.count() >= 150
    assert set(Topic.objects.values_list("slug", flat=True)) == {s.slug for s in taxonomy_seeds()}


def test_two_levels_spanning_personal_social_and_professional_life():
    categories = Topic.objects.filter(parent__isnull=True)
    assert set(categories.values_list("area", flat=True)) == set(Area.values)
    assert not Topic.objects.filter(parent__parent__isnull=False).exists()
    for category in categories:
        assert category.children.count() >= 3, category.slug
    topic_areas = Topic.objects.filter(parent__isnull=False).values_list("area", flat=True)
    assert set(topic_areas) == set(Area.values)


def test_slugs_are_unique_and_url_safe_and_descriptions_short():
    seeds = taxonomy_seeds()
    assert len({seed.slug for seed in seeds}) == len(seeds)
    for seed in seeds:
        assert slugify(seed.slug) == seed.slug
        assert seed.area in Area.values
        assert 0 < len(seed.description) <= 200
        if seed.parent:
            assert seed.slug.startswith(f"{seed.parent}-")


@pytest.mark.parametrize(
    "path",
    [
        "Career › Salary negotiation",
        "Family › Parenting teenagers",
        "Entrepreneurship › Business plans",
        "Health › Sleep",
        "Relocation › Visas",
        "Relationships › Conflict",
        "Study › Research to startup",
    ],
)
def test_situations_from_everyday_life_have_a_topic(path):
    category, name = path.split(" › ")
    topic = Topic.objects.get(parent__name=category, name=name)
    assert topic.path == path


def test_seed_is_idempotent_keeps_staff_edits_and_restores_missing_topics():
    edited = Topic.objects.get(slug="career-salary-negotiation")
    edited.name = "Pay talks"
    edited.description = "Edited by staff."
    edited.area = Area.PERSONAL
    edited.save()
    Topic.objects.get(slug="health-sleep").delete()
    staff_topic = Topic.objects.create(
        slug="career-office-moves", name="Office moves", parent=edited.parent, area="professional"
    )
    total = Topic.objects.count()

    assert taxonomy_seed(Topic) == 1
    assert taxonomy_seed(Topic) == 0

    assert Topic.objects.count() == total + 1
    assert Topic.objects.get(slug="health-sleep").parent.slug == "health"
    edited.refresh_from_db()
    assert (edited.name, edited.description, edited.area) == (
        "Pay talks",
        "Edited by staff.",
        Area.PERSONAL,
    )
    assert Topic.objects.filter(pk=staff_topic.pk).exists()
