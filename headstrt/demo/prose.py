"""Sentence templates for demo headlines, bios, expertise entries and mentee goals."""

import random
from collections.abc import Sequence
from functools import cache

from babel import Locale

MAX_HEADLINE = 120

HEADLINES_ONE = (
    "{Role} · {t1}",
    "Practical help with {t1_l} from {a_role}",
    "{Role} who has been there: {t1_l}",
    "{Role} in {city} · {t1}",
    "{yrs} years as {a_role}, now mentoring on {t1_l}",
)
HEADLINES_TWO = (
    "{Role} · {t1} & {t2}",
    "{Role} in {city}, helping with {t1_l} and {t2_l}",
    "{yrs} years as {a_role}: {t1_l}, {t2_l}",
    "{t1} and {t2}, from {a_role} in {city}",
    "I help people with {t1_l} and {t2_l} · {Role}",
) + HEADLINES_ONE

INTROS = (
    "I'm {first}, {a_role} based in {city}.",
    "Hi, I'm {first}. I have worked as {a_role} for {yrs} years, most recently at {workplace}.",
    "I live in {city} and have spent the last {yrs} years as {a_role}.",
    "I'm {a_role} with {yrs} years behind me, the last few at {workplace}.",
    "After {yrs} years as {a_role} at {workplace}, I now spend part of my week mentoring.",
)
FOCUS = (
    "People usually book me for {topics}.",
    "Most of my sessions are about {topics}.",
    "I can help with {topics}, and I'm happy to be a sounding board for anything close to it.",
    "My mentoring focuses on {topics}.",
    "The questions I enjoy most are about {topics}.",
)
STORIES = (
    "Along the way I {feat}.",
    "Among other things, I {feat}.",
    "One thing I'm proud of: I {feat}.",
)
APPROACHES = {
    "direct": (
        "I'm direct: expect honest feedback and a concrete next step before we hang up.",
        "I'll tell you what I really think, kindly but plainly.",
        "I like to get to the point fast and leave you with a short list of actions.",
    ),
    "gentle": (
        "I listen first and ask a lot of questions; you set the pace.",
        "I won't lecture you: we work it out together, one step at a time.",
        "Expect a calm conversation and room to think out loud.",
    ),
    "balanced": (
        "I try to balance listening with practical suggestions you can use the same day.",
        "We start from your situation, not from a framework, and end with something to try.",
        "Half of a session is usually questions, the other half a plan.",
    ),
}
HOBBIES = (
    "run slow but happy half-marathons",
    "grow tomatoes on a tiny balcony",
    "play bass in a covers band",
    "cook for far too many friends",
    "read crime novels in two languages",
    "hike with my dog",
    "volunteer at a local food bank",
    "restore old bicycles",
    "sing in a choir",
    "coach a children's football team",
    "paint badly and enjoy every minute of it",
    "swim outdoors all year round",
    "collect vinyl records",
    "bake bread every Sunday",
    "play chess online, mostly losing",
    "look after an allotment",
    "go birdwatching at dawn",
    "dance salsa",
    "practise calligraphy",
    "take long train journeys",
)
PERSONAL = (
    "Outside work I {hobby}.",
    "When I'm not working I {hobby}.",
    "Away from the desk I {hobby}.",
)
LANGUAGES = (
    "I speak {languages}, so book in whichever you prefer.",
    "Sessions in {languages} are all fine with me.",
)
CLOSINGS = (
    "Bring one concrete question and we'll leave with a plan.",
    "If I'm not the right person for your situation, I'll tell you who might be.",
    "No slides needed: just tell me where you're stuck.",
    "Short sessions work best with a clear question; book a longer one to think out loud.",
    "Looking forward to hearing what you're working on.",
)

WORK_DESCRIPTIONS = (
    "{yrs} years of experience. {description}",
    "From my work as {a_role}. {description}",
    "Something I deal with every week. {description}",
)
LIFE_DESCRIPTIONS = (
    "Lived experience rather than a job title. {description}",
    "I have been through this myself. {description}",
)

GOALS = (
    "I'd like to get better at {t1} over the next few months.",
    "Right now my main worry is {t1}; I'd love an outside view from someone who has been there.",
    "I want a practical plan for {t1} and, later on, {t2}.",
    "Looking for honest advice on {t1}. {situation}",
    "{situation} I'd like help with {t1}.",
    "Two things are on my mind: {t1} and {t2}. {situation}",
)
SITUATIONS = (
    "I have a big decision coming up next month.",
    "A lot changed this year and I'm still catching up.",
    "I've read plenty about it but need to talk to a real person.",
    "I have a deadline on Friday.",
    "I keep putting it off and want to finally move.",
    "A friend suggested I talk to someone who has done it before.",
)


@cache
def _proper_nouns() -> tuple[str, ...]:
    """Names written with capitals mid-sentence: those of languages and countries."""
    english = Locale("en")
    return tuple({*english.languages.values(), *english.territories.values()})


@cache
def mid_sentence(name: str) -> str:
    """A topic name as it reads inside a sentence: ``Salary negotiation`` becomes ``salary
    negotiation``, while ``SEO``, ``LinkedIn profile`` and ``English`` keep their capitals."""
    first = name.split(" ", 1)[0]
    if first[1:] != first[1:].lower() or any(
        name == noun or name.startswith(f"{noun} ") for noun in _proper_nouns()
    ):
        return name
    return name[0].lower() + name[1:]


def with_article(noun: str) -> str:
    """``engineer`` → ``an engineer``; ``HR business partner`` → ``an HR business partner``."""
    sounds_vowel = noun[0].lower() in "aeiou" or noun.split(" ", 1)[0] in {"HR", "MBA"}
    return f"{'an' if sounds_vowel else 'a'} {noun}"


def joined(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def capitalised(text: str) -> str:
    """The text with its first letter in upper case."""
    return text[0].upper() + text[1:]


def headline(
    rng: random.Random, *, role: str, city: str, yrs: int, topic_names: Sequence[str]
) -> str:
    """A short headline naming the mentor's role and one or two topics."""
    t1, t2 = topic_names[0], topic_names[1] if len(topic_names) > 1 else topic_names[0]
    templates = HEADLINES_TWO if len(topic_names) > 1 else HEADLINES_ONE
    fields = {
        "Role": capitalised(role),
        "a_role": with_article(role),
        "city": city,
        "yrs": yrs,
        "t1": t1,
        "t2": t2,
        "t1_l": mid_sentence(t1),
        "t2_l": mid_sentence(t2),
    }
    text = rng.choice(templates).format(**fields)
    if len(text) > MAX_HEADLINE:
        text = f"{capitalised(role)} · {t1}"
    return text[:MAX_HEADLINE]


def bio(
    rng: random.Random,
    *,
    first_name: str,
    role: str,
    city: str,
    yrs: int,
    workplace: str,
    topic_names: Sequence[str],
    feats: Sequence[str],
    style: str,
    language_names: Sequence[str],
) -> str:
    """A first-person bio that names every topic of the mentor's expertise.

    ``style`` is ``direct``, ``gentle`` or ``balanced``; ``feats`` complete "I ...".
    """
    fields = {
        "first": first_name,
        "a_role": with_article(role),
        "city": city,
        "yrs": yrs,
        "workplace": workplace,
        "topics": joined([mid_sentence(name) for name in topic_names]),
    }
    sentences = [rng.choice(INTROS).format(**fields), rng.choice(FOCUS).format(**fields)]
    if feats:
        sentences.append(rng.choice(STORIES).format(feat=feats[0]))
    sentences.append(rng.choice(APPROACHES[style]))
    if rng.random() < 0.7:
        sentences.append(rng.choice(PERSONAL).format(hobby=rng.choice(HOBBIES)))
    if len(language_names) > 1:
        sentences.append(rng.choice(LANGUAGES).format(languages=joined(language_names)))
    if rng.random() < 0.8:
        sentences.append(rng.choice(CLOSINGS))
    return " ".join(sentences)


def expertise_description(
    rng: random.Random, *, role: str, yrs: int, topic_description: str, lived: bool
) -> str:
    """What the mentor offers on one topic, in a sentence or two."""
    templates = LIFE_DESCRIPTIONS if lived else WORK_DESCRIPTIONS
    text = rng.choice(templates).format(
        yrs=yrs, a_role=with_article(role), description=topic_description
    )
    return text.strip()[:300]


def goals(rng: random.Random, *, topic_names: Sequence[str]) -> str:
    """A mentee's current goals in their own words."""
    names = [mid_sentence(name) for name in topic_names]
    template = rng.choice(GOALS if len(names) > 1 else [g for g in GOALS if "{t2}" not in g])
    text = template.format(
        t1=names[0],
        t2=names[1] if len(names) > 1 else names[0],
        situation=rng.choice(SITUATIONS),
    )
    return capitalised(text)
