"""The mentor card of the directory and the home page, written once per process for the
values it shows: a page of results shows twenty, and a card costs more to write from its
template than anything else on the page."""

from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.template.loader import get_template

from headstrt.accounts.models import MentorProfile

register = template.Library()

# Cards kept written per process: a few pages of search results each, about 1.5 kB apiece.
WRITTEN_CARDS = 1024


@dataclass(frozen=True)
class CardPerson:
    """What a card shows of the mentor as a person, including their avatar."""

    public_id: str
    display_name: str
    photo: FieldFile


@dataclass(frozen=True)
class CardRating:
    """What a card shows of a rating."""

    average: float
    count: int


@dataclass(frozen=True)
class MentorCard:
    """Everything a mentor card shows and nothing else. The card's template is given this
    alone, so the same values always make the same card."""

    user: CardPerson
    headline: str
    topic_paths: tuple[str, ...]
    min_price_minor: int | None
    currency: str
    rating: CardRating | None
    language_names: tuple[str, ...]

    @classmethod
    def of(cls, mentor: MentorProfile) -> "MentorCard":
        """The card of a mentor read by ``accounts.selectors.mentor_cards`` (or a directory
        page) and rated by ``mentors_rated``."""
        user, rating = mentor.user, mentor.rating
        # The photo's name on a file of its own: a card kept written holds on to no model.
        photo = FieldFile(None, user.photo.field, user.photo.name)
        return cls(
            user=CardPerson(user.public_id, user.display_name, photo),
            headline=mentor.headline,
            topic_paths=tuple(mentor.topic_paths),
            min_price_minor=mentor.min_price_minor,
            currency=mentor.currency,
            rating=None if rating is None else CardRating(rating.average, rating.count),
            language_names=tuple(mentor.language_names),
        )


@register.simple_tag
def mentor_card(mentor: MentorProfile) -> str:
    """The card of ``mentor``: their avatar, name, headline, expertise, price, rating and
    languages."""
    card = MentorCard.of(mentor)
    # While developing, a changed template shows at once.
    return _card_written(card) if not settings.DEBUG else _card(card)


@lru_cache(maxsize=WRITTEN_CARDS)
def _card_written(card: MentorCard) -> str:
    return _card(card)


def _card(card: MentorCard) -> str:
    return get_template("web/includes/mentor_card.html").render({"mentor": card})
