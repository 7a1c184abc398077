"""The expertise taxonomy and the languages people may list."""

from django.http import HttpRequest
from ninja import Router

from headstrt.accounts import selectors
from headstrt.api.schemas import LanguageOut, TopicOut

router = Router(tags=["Taxonomy"], auth=None)


@router.get("/topics", response=list[TopicOut])
def list_topics(request: HttpRequest):
    """Every topic of the expertise taxonomy; ``parent`` is the slug of its category."""
    return selectors.topics()


@router.get("/languages", response=list[LanguageOut])
def list_languages(request: HttpRequest):
    """Every language, by ISO 639-1 code."""
    return selectors.languages()
