"""The seed of the expertise taxonomy: read from data/taxonomy.json, added where missing."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.json"


@dataclass(frozen=True)
class TopicSeed:
    """One node of the seed file; ``parent`` is the slug of its category, if any."""

    slug: str
    name: str
    area: str
    description: str
    parent: str | None = None


@cache
def taxonomy_seeds() -> tuple[TopicSeed, ...]:
    """Every node of the seed file, each category before its topics."""
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    seeds = []
    for category in data["categories"]:
        seeds.append(
            TopicSeed(
                slug=category["slug"],
                name=category["name"],
                area=category["area"],
                description=category["description"],
            )
        )
        for topic in category["topics"]:
            seeds.append(
                TopicSeed(
                    slug=topic["slug"],
                    name=topic["name"],
                    area=topic.get("area", category["area"]),
                    description=topic["description"],
                    parent=category["slug"],
                )
            )
    return tuple(seeds)


@transaction.atomic
def taxonomy_seed(topic_model) -> int:
    """Create the seed topics missing from ``topic_model``'s table; return how many were added.

    Topics are matched by slug and existing ones are left exactly as they are, so edits made
    by staff survive. ``topic_model`` is the ``Topic`` class, or its historical version in a
    data migration. Conflicting rows (say, a staff-made topic of the same name in the same
    category) are skipped rather than duplicated.
    """
    seeds = taxonomy_seeds()
    existing = set(topic_model.objects.values_list("slug", flat=True))
    categories = [
        topic_model(slug=seed.slug, name=seed.name, area=seed.area, description=seed.description)
        for seed in seeds
        if seed.parent is None and seed.slug not in existing
    ]
    topic_model.objects.bulk_create(categories, ignore_conflicts=True)
    parents = dict(topic_model.objects.values_list("slug", "pk"))
    topics = [
        topic_model(
            slug=seed.slug,
            name=seed.name,
            area=seed.area,
            description=seed.description,
            parent_id=parents[seed.parent],
        )
        for seed in seeds
        if seed.parent is not None and seed.slug not in existing
    ]
    topic_model.objects.bulk_create(topics, ignore_conflicts=True)
    return topic_model.objects.count() - len(existing)
