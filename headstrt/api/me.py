"""The signed-in person: account, photo, mentor and mentee profiles, working style, data."""

from django.contrib.auth import logout
from django.http import FileResponse, HttpRequest
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from ninja import File, Router, UploadedFile
from ninja.decorators import decorate_view

from headstrt.accounts import selectors, services
from headstrt.accounts.models import MentorProfile
from headstrt.api.schemas import (
    ExpertiseIn,
    ExpertiseOut,
    MenteeProfileIn,
    MenteeProfileOut,
    MentorProfileIn,
    MeOut,
    MePatchIn,
    OwnMentorProfileOut,
    PasswordIn,
    WorkingStyleIn,
    WorkingStyleSchema,
)
from headstrt.core.errors import DomainError, NotFound

router = Router(tags=["Me"])


@router.get("", response=MeOut)
def get_me(request: HttpRequest):
    """Your account."""
    return request.auth


@router.patch("", response=MeOut)
def update_me(request: HttpRequest, payload: MePatchIn):
    """Change your display name, time zone or languages; fields left out stay as they are."""
    return services.user_update(
        user=request.auth,
        display_name=payload.display_name,
        time_zone=payload.time_zone,
        languages=payload.languages,
    )


@router.delete("", response={204: None})
def delete_me(request: HttpRequest, payload: PasswordIn):
    """Delete your account and everything in it, for good. Needs your current password."""
    if not request.auth.check_password(payload.password):
        raise DomainError(
            "wrong_password", "That is not your current password.", field="password", status=403
        )
    services.account_delete(user=request.auth)
    logout(request)


@router.post("/photo", response=MeOut)
def upload_photo(request: HttpRequest, photo: File[UploadedFile]):
    """Upload a JPEG, PNG, WebP or GIF (at most 5 MB); it is stored as a 512×512 WebP."""
    return services.user_set_photo(user=request.auth, upload=photo)


@router.get(
    "/photo",
    url_name="my_photo",
    openapi_extra={"responses": {200: {"description": "OK", "content": {"image/webp": {}}}}},
)
def get_photo(request: HttpRequest):
    """Your photo, as a 512×512 WebP image."""
    photo = selectors.photo_for_viewer(public_id=request.auth.public_id, viewer=request.auth)
    try:
        response = FileResponse(photo.open("rb"), content_type="image/webp")
    except FileNotFoundError:
        raise NotFound("No such photo.") from None
    patch_cache_control(response, private=True, max_age=24 * 3600)
    return response


@router.delete("/photo", response=MeOut)
def remove_photo(request: HttpRequest):
    """Remove your photo."""
    return services.user_remove_photo(user=request.auth)


def _own_mentor_profile(request: HttpRequest) -> MentorProfile:
    profile = selectors.mentor_profile_for_owner(user=request.auth)
    if profile is None:
        raise NotFound("You have no mentor profile yet; PUT one to open it.")
    return profile


@router.get("/mentor-profile", response=OwnMentorProfileOut)
def get_mentor_profile(request: HttpRequest):
    """Your mentor profile, active or paused."""
    return _own_mentor_profile(request)


@router.put("/mentor-profile", response=OwnMentorProfileOut)
def save_mentor_profile(request: HttpRequest, payload: MentorProfileIn):
    """Open or update your mentor profile; session lengths left out are no longer offered,
    and without ``answer_price_minor`` you no longer answer in writing."""
    services.mentor_profile_save(
        user=request.auth,
        headline=payload.headline,
        bio=payload.bio,
        currency=payload.currency,
        offers={offer.minutes: offer.price_minor for offer in payload.offers},
        weekly_capacity=payload.weekly_capacity,
        is_active=payload.is_active,
        answer_price_minor=payload.answer_price_minor,
    )
    return _own_mentor_profile(request)


@router.post("/mentor-profile/expertise", response={201: ExpertiseOut})
def add_expertise(request: HttpRequest, payload: ExpertiseIn):
    """Add a taxonomy topic to your expertise."""
    return services.mentor_expertise_add(user=request.auth, **payload.model_dump())


@router.delete("/mentor-profile/expertise/{slug:entry_id}", response={204: None})
def remove_expertise(request: HttpRequest, entry_id: str):
    """Remove one of your expertise entries."""
    services.mentor_expertise_remove(user=request.auth, entry_id=entry_id)


@router.get("/mentee-profile", response=MenteeProfileOut)
def get_mentee_profile(request: HttpRequest):
    """Your interests and goals as a mentee."""
    profile = selectors.mentee_profile_for_owner(user=request.auth)
    if profile is None:
        raise NotFound("You have no mentee profile yet; PUT one to create it.")
    return profile


@router.put("/mentee-profile", response=MenteeProfileOut)
def save_mentee_profile(request: HttpRequest, payload: MenteeProfileIn):
    """Set your interests (topic slugs) and goals."""
    services.mentee_profile_save(user=request.auth, **payload.model_dump())
    return selectors.mentee_profile_for_owner(user=request.auth)


@router.get("/working-style", response=WorkingStyleSchema)
def get_working_style(request: HttpRequest):
    """Your answers to the working-style questionnaire."""
    style = selectors.working_style_for_owner(user=request.auth)
    if style is None:
        raise NotFound("You have not answered the working-style questions yet.")
    return style


@router.put("/working-style", response=WorkingStyleSchema)
def save_working_style(request: HttpRequest, payload: WorkingStyleIn):
    """Answer the working-style questionnaire, used to find mentors who fit."""
    return services.working_style_save(user=request.auth, **payload.model_dump())


@router.get("/export", response=dict)
@decorate_view(never_cache)
def export_my_data(request: HttpRequest):
    """Everything the platform holds about you, as JSON."""
    return selectors.account_export(user=request.auth)
