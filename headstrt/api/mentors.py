"""The mentor directory and mentors' public profiles."""

from django.http import HttpRequest
from ninja import Query, Router

from headstrt.accounts import selectors
from headstrt.accounts.selectors import DirectoryFilters
from headstrt.api.auth import viewer
from headstrt.api.schemas import DirectoryQuery, ListedMentorOut, MentorPageOut
from headstrt.core.pagination import paginate

router = Router(tags=["Mentors"], auth=None)


@router.get("", response=MentorPageOut)
def mentor_directory(request: HttpRequest, filters: Query[DirectoryQuery]):
    """Active mentors, newest first, narrowed by the filters given."""
    wanted = DirectoryFilters(
        query=filters.q.strip(),
        area=filters.area,
        topic=filters.topic,
        language=filters.language,
        max_price=selectors.parse_price_filter(filters.max_price, filters.currency),
    )
    mentors = selectors.mentor_directory(filters=wanted)
    page = paginate(mentors, page=filters.page, size=filters.size)
    selectors.mentors_rated(page.items)
    return page


@router.get("/{slug:public_id}", response=ListedMentorOut)
def mentor_detail(request: HttpRequest, public_id: str):
    """A mentor's public profile with their rating, by the person's id. A paused profile is
    visible to its owner."""
    profile = selectors.mentor_get_public(public_id=public_id, viewer=viewer(request))
    [profile] = selectors.mentors_rated([profile])
    return profile
