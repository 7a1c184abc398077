"""Deterministic sketches of demo people: the same seed and index always give the same person.

Each person draws from their own random generator, seeded by the run's seed, their kind and
their index, so a population can grow (1,000 then 100,000 mentors) and the first thousand
stay exactly who they were. Nothing here touches the database.
"""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from functools import cache
from itertools import accumulate

from headstrt.accounts.models import Communication, Value
from headstrt.core.money import MAX_SESSION_PRICE_MAJOR, minor_exponent
from headstrt.demo import prose
from headstrt.demo.names import NAME_POOLS
from headstrt.demo.personas import LIFE_FEATS, PERSONAS, Persona
from headstrt.demo.regions import REGIONS, Region

DEMO_DOMAIN = "demo.headstrt.test"

EXPERTISE_COUNTS = ((1, 2, 3, 4, 5), (12, 25, 30, 21, 12))
SESSION_LENGTHS = (
    (
        (30,),
        (15, 30),
        (30, 60),
        (15, 30, 60),
        (60,),
        (45,),
        (30, 45, 60),
        (15,),
        (15, 30, 45, 60),
        (15, 45),
        (45, 60),
    ),
    (18, 14, 16, 14, 6, 4, 8, 4, 8, 3, 5),
)
# Shorter sessions cost a little more per minute, as preparation does not shrink with them.
LENGTH_PREMIUM = {15: 1.3, 30: 1.1, 45: 1.05, 60: 1.0}
WEEKLY_CAPACITY = ((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20), (6, 12, 16, 14, 16, 8, 10, 8, 4, 4, 2))
COMMUNICATION = (tuple(Communication.values), (35, 25, 15, 25))
VALUES = tuple(Value.values)
FREE_MENTOR_SHARE = 0.08
FREE_INTRO_SHARE = 0.25
PAUSED_SHARE = 0.07
MENTOR_ALSO_MENTEE_SHARE = 0.15
MENTOR_STYLE_SHARE = 0.75
MENTEE_STYLE_SHARE = 0.6
LIFE_TOPIC_SHARE = 0.3
# Mentors who also answer in writing, and what an answer costs beside their cheapest paid
# session (it takes a while to write, but less than a call).
WRITTEN_ANSWERS_SHARE = 0.6
ANSWER_PRICE_OF_SESSION = 0.5


@dataclass(frozen=True)
class TopicChoice:
    """A taxonomy topic as the generator sees it."""

    pk: int
    slug: str
    name: str
    area: str
    description: str
    category: str


@dataclass(frozen=True)
class Catalogue:
    """What the generator draws from: topics by category slug and spoken languages by code."""

    topics: Mapping[str, Sequence[TopicChoice]]
    languages: Mapping[str, str]
    personas: tuple[tuple[Persona, ...], tuple[int, ...]] = field(init=False)

    def __post_init__(self):
        usable = tuple(p for p in PERSONAS if any(self.topics.get(c) for c in p.categories))
        object.__setattr__(self, "personas", (usable, tuple(p.weight for p in usable)))


@dataclass(frozen=True)
class PersonSketch:
    """Who a demo person is: name, address, where they live and the languages they speak."""

    email: str
    first_name: str
    display_name: str
    time_zone: str
    city: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ExpertiseSketch:
    """One expertise entry of a demo mentor."""

    topic: TopicChoice
    years: int
    description: str
    evidence: str


@dataclass(frozen=True)
class MentorSketch:
    """A demo mentor profile; ``offers`` maps minutes to a price in minor units,
    ``availability`` holds weekly (weekday, start, end) ranges on the mentor's clock and
    ``answer_price`` is the price of a written answer (``None``: not in writing)."""

    headline: str
    bio: str
    currency: str
    offers: dict[int, int]
    weekly_capacity: int
    is_active: bool
    expertise: tuple[ExpertiseSketch, ...]
    availability: tuple[tuple[int, time, time], ...]
    answer_price: int | None = None


@dataclass(frozen=True)
class MenteeSketch:
    """A demo mentee profile."""

    interests: tuple[TopicChoice, ...]
    goals: str


@dataclass(frozen=True)
class StyleSketch:
    """Demo answers to the working-style questionnaire."""

    communication: str
    directness: int
    pace: int
    values: list[str]


@dataclass(frozen=True)
class Sketch:
    """Everything about one demo person; the parts they do not have are ``None``."""

    person: PersonSketch
    mentor: MentorSketch | None
    mentee: MenteeSketch | None
    style: StyleSketch | None


def mentor_email(index: int) -> str:
    """The address of demo mentor number ``index`` (from 1)."""
    return f"mentor{index:06d}@{DEMO_DOMAIN}"


def mentee_email(index: int) -> str:
    """The address of demo mentee number ``index`` (from 1)."""
    return f"mentee{index:06d}@{DEMO_DOMAIN}"


def _weighted(rng: random.Random, table: tuple[Sequence, Sequence[int]]):
    return rng.choices(table[0], cum_weights=_cumulative(tuple(table[1])))[0]


@cache
def _cumulative(weights: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(accumulate(weights))


_REGION_TABLE = (REGIONS, tuple(region.weight for region in REGIONS))
_NAME_TABLES = {
    region.key: (tuple(region.names), tuple(region.names.values())) for region in REGIONS
}
_minor_exponent = cache(minor_exponent)


def _person(rng: random.Random, catalogue: Catalogue, email: str) -> tuple[PersonSketch, Region]:
    region = _weighted(rng, _REGION_TABLE)
    pool = NAME_POOLS[_weighted(rng, _NAME_TABLES[region.key])]
    first, family = rng.choice(pool.given), rng.choice(pool.family)
    city, zone = rng.choice(region.cities)
    spoken = list(region.languages)
    for code, share in region.extra_languages.items():
        if rng.random() < share:
            spoken.append(code)
    known = tuple(code for code in spoken if code in catalogue.languages)
    person = PersonSketch(
        email=email,
        first_name=first,
        display_name=f"{first} {family}",
        time_zone=zone,
        city=city,
        languages=known or tuple(sorted(catalogue.languages))[:1],
    )
    return person, region


def _count(rng: random.Random) -> int:
    """A count for feats: ``{n}`` tens to hundreds, ``{few}`` two to six, ``{yrs}`` years."""
    return rng.choice((12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 300))


def _feat(rng: random.Random, template: str, *, topic: TopicChoice, workplace: str) -> str:
    return template.format(
        n=_count(rng),
        few=rng.randint(2, 6),
        yrs=rng.randint(3, 20),
        topic=prose.mid_sentence(topic.name),
        workplace=workplace,
    )


def _expertise_topics(
    rng: random.Random, catalogue: Catalogue, persona: Persona
) -> list[tuple[TopicChoice, bool]]:
    """Distinct topics, the persona's main category first; ``True`` marks lived experience."""
    wanted = _weighted(rng, EXPERTISE_COUNTS)
    categories = [c for c in persona.categories if catalogue.topics.get(c)]
    chosen: dict[str, tuple[TopicChoice, bool]] = {}
    primary = catalogue.topics[categories[0]]
    for topic in rng.sample(primary, min(len(primary), rng.choice((1, 2, 2, 3)), wanted)):
        chosen[topic.slug] = (topic, False)
    life = [c for c in LIFE_FEATS if c not in persona.categories and catalogue.topics.get(c)]
    if wanted > 1 and life and rng.random() < LIFE_TOPIC_SHARE:
        topic = rng.choice(catalogue.topics[rng.choice(life)])
        chosen.setdefault(topic.slug, (topic, True))
    for _ in range(wanted * 3):
        if len(chosen) >= wanted:
            break
        topic = rng.choice(catalogue.topics[rng.choice(categories)])
        chosen.setdefault(topic.slug, (topic, False))
    return list(chosen.values())


def _nice_price(amount: float) -> int:
    """Round a price the way people write them: 5, 35, 120, 2,400."""
    if amount < 10:
        return max(1, round(amount))
    if amount < 100:
        return max(5, 5 * round(amount / 5))
    magnitude = 10 ** (len(str(int(amount))) - 2)
    return magnitude * round(amount / magnitude)


def _offers(rng: random.Random, region: Region) -> dict[int, int]:
    lengths = _weighted(rng, SESSION_LENGTHS)
    if rng.random() < FREE_MENTOR_SHARE:
        return dict.fromkeys(lengths, 0)
    low, high = region.hourly_rate
    hourly = low * (high / low) ** rng.random()
    scale = 10 ** _minor_exponent(region.currency)
    offers = {
        minutes: min(MAX_SESSION_PRICE_MAJOR, _nice_price(hourly * minutes / 60 * premium)) * scale
        for minutes, premium in LENGTH_PREMIUM.items()
        if minutes in lengths
    }
    if 15 in offers and len(offers) > 1 and rng.random() < FREE_INTRO_SHARE:
        offers[15] = 0
    return offers


def _answer_price(rng: random.Random, offers: dict[int, int], currency: str) -> int | None:
    """Whether the mentor answers in writing and at what price, in minor units: free for a
    mentor whose sessions are all free."""
    if rng.random() >= WRITTEN_ANSWERS_SHARE:
        return None
    paid = [price for price in offers.values() if price]
    if not paid:
        return 0
    scale = 10 ** _minor_exponent(currency)
    return _nice_price(min(paid) / scale * ANSWER_PRICE_OF_SESSION) * scale


# Wall-clock ranges people tend to keep free for short sessions.
AVAILABILITY_RANGES = (
    (time(7, 30), time(9)),
    (time(9), time(12)),
    (time(12), time(13, 30)),
    (time(14), time(17)),
    (time(18), time(21)),
)


def _availability(rng: random.Random) -> tuple[tuple[int, time, time], ...]:
    """Two to five weekdays (sometimes a weekend day), each with one or two ranges."""
    days = sorted(rng.sample(range(5), rng.randint(2, 5)))
    if rng.random() < 0.3:
        days.append(rng.choice((5, 6)))
    rules = []
    for day in days:
        for start, end in sorted(rng.sample(AVAILABILITY_RANGES, rng.choice((1, 1, 2)))):
            rules.append((day, start, end))
    return tuple(rules)


def _style(rng: random.Random) -> StyleSketch:
    return StyleSketch(
        communication=_weighted(rng, COMMUNICATION),
        directness=rng.randint(1, 5),
        pace=rng.randint(1, 5),
        values=rng.sample(VALUES, rng.randint(1, 3)),
    )


def _mentee(rng: random.Random, catalogue: Catalogue, avoid: Sequence[str] = ()) -> MenteeSketch:
    filled = [category for category in sorted(catalogue.topics) if catalogue.topics[category]]
    categories = [category for category in filled if category not in avoid] or filled
    interests: dict[str, TopicChoice] = {}
    focus = rng.sample(categories, min(len(categories), rng.choice((1, 1, 2))))
    for _ in range(rng.randint(1, 4)):
        topic = rng.choice(catalogue.topics[rng.choice(focus)])
        interests.setdefault(topic.slug, topic)
    if rng.random() < 0.3:
        topic = rng.choice(catalogue.topics[rng.choice(categories)])
        interests.setdefault(topic.slug, topic)
    chosen = tuple(interests.values())
    return MenteeSketch(
        interests=chosen, goals=prose.goals(rng, topic_names=[t.name for t in chosen[:2]])
    )


def _rng(seed: int, kind: str, index: int) -> random.Random:
    return random.Random(f"headstrt-demo:{seed}:{kind}:{index}")


def sketch_mentor(catalogue: Catalogue, *, seed: int, index: int) -> Sketch:
    """Demo mentor number ``index``: person, mentor profile, perhaps a mentee side and style."""
    rng = _rng(seed, "mentor", index)
    person, region = _person(rng, catalogue, mentor_email(index))
    persona = _weighted(rng, catalogue.personas)
    role, workplace = rng.choice(persona.roles), rng.choice(persona.workplaces)
    career = rng.randint(3, 35)
    topics = _expertise_topics(rng, catalogue, persona)
    # Each feat is told once, with its numbers fixed, so a profile never contradicts itself.
    feats = [
        _feat(rng, template, topic=topics[0][0], workplace=workplace)
        for template in rng.sample(persona.feats, len(persona.feats))
    ]
    expertise = []
    for position, (topic, lived) in enumerate(topics):
        years = (
            rng.randint(max(1, career // 2), career) if position == 0 else rng.randint(1, career)
        )
        if lived:
            evidence = _feat(rng, rng.choice(LIFE_FEATS[topic.category]), topic=topic, workplace="")
        else:
            evidence = feats[position % len(feats)]
        expertise.append(
            ExpertiseSketch(
                topic=topic,
                years=years,
                description=prose.expertise_description(
                    rng, role=role, yrs=years, topic_description=topic.description, lived=lived
                ),
                evidence=prose.capitalised(evidence)[:300],
            )
        )
    style = _style(rng) if rng.random() < MENTOR_STYLE_SHARE else None
    directness = style.directness if style else rng.randint(1, 5)
    tone = "direct" if directness >= 4 else "gentle" if directness <= 2 else "balanced"
    names = [entry.topic.name for entry in expertise]
    mentor = MentorSketch(
        headline=prose.headline(rng, role=role, city=person.city, yrs=career, topic_names=names),
        bio=prose.bio(
            rng,
            first_name=person.first_name,
            role=role,
            city=person.city,
            yrs=career,
            workplace=workplace,
            topic_names=names,
            feats=feats[:1],
            style=tone,
            language_names=[catalogue.languages[code] for code in person.languages],
        ),
        currency=region.currency,
        offers=_offers(rng, region),
        weekly_capacity=_weighted(rng, WEEKLY_CAPACITY),
        is_active=rng.random() >= PAUSED_SHARE,
        expertise=tuple(expertise),
        # A separate stream, so adding availability left every other drawn detail as it was.
        availability=_availability(_rng(seed, "availability", index)),
    )
    # Priced from the offers, drawn from a stream of its own like availability.
    mentor = replace(
        mentor,
        answer_price=_answer_price(_rng(seed, "answers", index), mentor.offers, mentor.currency),
    )
    mentee = (
        _mentee(rng, catalogue, avoid=persona.categories)
        if rng.random() < MENTOR_ALSO_MENTEE_SHARE
        else None
    )
    return Sketch(person=person, mentor=mentor, mentee=mentee, style=style)


def sketch_mentee(catalogue: Catalogue, *, seed: int, index: int) -> Sketch:
    """Demo mentee number ``index``: person, interests and goals, perhaps a working style."""
    rng = _rng(seed, "mentee", index)
    person, _ = _person(rng, catalogue, mentee_email(index))
    mentee = _mentee(rng, catalogue)
    style = _style(rng) if rng.random() < MENTEE_STYLE_SHARE else None
    return Sketch(person=person, mentor=None, mentee=mentee, style=style)
