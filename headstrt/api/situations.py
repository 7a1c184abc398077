"""A mentee's situations, their explained matches and sharing; and the mentors they blocked."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from headstrt.api.schemas import (
    BlockOut,
    BlockPageOut,
    MatchOut,
    MatchResultOut,
    MoneyOut,
    SituationIn,
    SituationOut,
    SituationPageOut,
    SituationPatchIn,
    public_photo_url,
)
from headstrt.core.pagination import paginate
from headstrt.matching import selectors, services
from headstrt.matching.query import MentorMatch

router = Router(tags=["Situations"])
blocks_router = Router(tags=["Situations"])


class PageQuery(Schema):
    page: int = 1
    size: int = 20


class MatchesQuery(Schema):
    limit: int = 10


def _arguments(payload: SituationIn | SituationPatchIn, *, partial: bool) -> dict:
    values = payload.model_dump(exclude_unset=partial)
    if "budget" in values:
        values["budget"] = payload.budget.money() if payload.budget is not None else None
    if partial and "languages" in values and values["languages"] is None:
        values["languages"] = []  # null: any language
    return values


@router.get("", response=SituationPageOut)
def situation_list(request: HttpRequest, query: Query[PageQuery]):
    """Your situations, most recently changed first."""
    situations = selectors.situations_for_mentee(mentee=request.auth)
    return paginate(situations, page=query.page, size=query.size)


@router.post("", response={201: SituationOut})
def situation_create(request: HttpRequest, payload: SituationIn):
    """Describe a situation; nothing is saved if any field is refused."""
    situation = services.situation_create(mentee=request.auth, **_arguments(payload, partial=False))
    return selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=request.auth)


@router.get("/shared-with-me", response=SituationPageOut)
def situations_shared_with_me(request: HttpRequest, query: Query[PageQuery]):
    """Situations mentees shared with you, most recently shared first (read-only)."""
    situations = selectors.situations_shared_with(mentor=request.auth)
    return paginate(situations, page=query.page, size=query.size)


@router.get("/{slug:situation_id}", response=SituationOut)
def situation_detail(request: HttpRequest, situation_id: str):
    """One of your situations, or one shared with you."""
    return selectors.situation_get_for_viewer(situation_id=situation_id, viewer=request.auth)


@router.patch("/{slug:situation_id}", response=SituationOut)
def situation_update(request: HttpRequest, situation_id: str, payload: SituationPatchIn):
    """Change your situation; fields left out stay as they are."""
    services.situation_update(
        user=request.auth, situation_id=situation_id, **_arguments(payload, partial=True)
    )
    return selectors.situation_get_for_viewer(situation_id=situation_id, viewer=request.auth)


@router.delete("/{slug:situation_id}", response={204: None})
def situation_delete(request: HttpRequest, situation_id: str):
    """Delete your situation for good; mentors it was shared with can no longer read it."""
    services.situation_delete(user=request.auth, situation_id=situation_id)


def _api():
    """The API, for encoding answers as its renderer does. Imported here: the API's root
    imports this module to mount its routes."""
    from headstrt.api.root import api

    return api


def _json(request: HttpRequest, value) -> str:
    return _api().renderer.render(request, value, response_status=200)


def _matches(matches: list[MentorMatch], request: HttpRequest) -> str:
    """The answer's ranked matches, best first, checked against ``MatchOut`` and encoded as
    JSON once: a stored ranking is sent as it was kept."""
    return _json(
        request,
        [
            MatchOut(
                rank=rank,
                mentor={
                    "id": match.mentor.user.public_id,
                    "display_name": match.mentor.user.display_name,
                    "headline": match.mentor.headline,
                    "photo_url": public_photo_url(match.mentor.user, request),
                    "time_zone": match.mentor.user.time_zone,
                    "languages": [language.code for language in match.mentor.user.languages.all()],
                },
                score=match.score,
                reasons=[
                    {
                        "kind": reason.kind,
                        "text": reason.text,
                        "matched_terms": list(reason.matched_terms),
                    }
                    for reason in match.reasons
                ],
                price=MoneyOut.of(match.price) if match.price is not None else None,
                rating=None if match.rating is None else round(match.rating, 2),
                reviews=match.reviews,
                outcome_rate=None if match.outcome_rate is None else round(match.outcome_rate, 3),
                next_free_slot=match.next_free_slot,
            ).model_dump()
            for rank, match in enumerate(matches, start=1)
        ],
    )


@router.get("/{slug:situation_id}/matches", response=MatchResultOut)
def situation_matches(request: HttpRequest, situation_id: str, query: Query[MatchesQuery]):
    """The mentors that best fit your situation, best first, each with the reasons why.

    When no mentor passes the hard filters, ``relaxations`` says which filter to relax and
    how many mentors that would bring back.
    """
    situation = selectors.situation_get_for_matches(situation_id=situation_id, viewer=request.auth)
    # The matches are kept as their answer's JSON (photo addresses name the host asked), so
    # a kept ranking is answered without rebuilding, checking or encoding them again.
    result = selectors.situation_matches(
        situation=situation,
        viewer=request.auth,
        limit=query.limit,
        present=lambda matches: _matches(matches, request),
        form=f"api-json:{request.build_absolute_uri('/')}",
    )
    relaxations = [
        {"filter": item.filter, "message": item.message, "mentors": item.mentors}
        for item in result.relaxations
    ]
    body = (
        f'{{"situation": {_json(request, situation.public_id)}, "matches": {result.matches_json}, '
        f'"notices": {_json(request, result.notices)}, '
        f'"relaxations": {_json(request, relaxations)}}}'
    )
    return HttpResponse(body, status=200, content_type=_api().get_content_type())


@router.put("/{slug:situation_id}/shares/{slug:mentor_id}", response=SituationOut)
def situation_share(request: HttpRequest, situation_id: str, mentor_id: str):
    """Let an active mentor read your situation (sharing again changes nothing)."""
    services.situation_share(user=request.auth, situation_id=situation_id, mentor_id=mentor_id)
    return selectors.situation_get_for_viewer(situation_id=situation_id, viewer=request.auth)


@router.delete("/{slug:situation_id}/shares/{slug:mentor_id}", response={204: None})
def situation_unshare(request: HttpRequest, situation_id: str, mentor_id: str):
    """Stop sharing your situation with a mentor."""
    services.situation_unshare(user=request.auth, situation_id=situation_id, mentor_id=mentor_id)


@blocks_router.get("", response=BlockPageOut)
def block_list(request: HttpRequest, query: Query[PageQuery]):
    """The mentors you blocked, most recent first."""
    blocks = selectors.mentor_blocks_for_mentee(mentee=request.auth)
    return paginate(blocks, page=query.page, size=query.size)


@blocks_router.post("/{slug:mentor_id}", response=BlockOut)
def block_create(request: HttpRequest, mentor_id: str):
    """Never show this mentor in your matches; your situations stop being shared with them."""
    return services.mentor_block(mentee=request.auth, mentor_id=mentor_id)


@blocks_router.delete("/{slug:mentor_id}", response={204: None})
def block_delete(request: HttpRequest, mentor_id: str):
    """Let a blocked mentor appear in your matches again."""
    services.mentor_unblock(mentee=request.auth, mentor_id=mentor_id)
