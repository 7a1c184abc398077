"""Public pages: home, the mentor directory, mentor profiles, photos and the PWA manifest."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from headstrt.accounts import selectors
from headstrt.accounts.selectors import DirectoryFilters
from headstrt.core.errors import DomainError, NotFound
from headstrt.web.forms import DirectoryFilterForm

FEATURED_MENTORS = 3
DIRECTORY_PAGE_SIZE = 20
THEME_COLOUR = "#0f766e"
BACKGROUND_COLOUR = "#f6f7f9"


def home(request):
    """What micro-mentorship is, with a few featured mentors."""
    newest = selectors.mentor_directory(filters=DirectoryFilters())[:FEATURED_MENTORS]
    featured = selectors.mentors_rated(selectors.mentor_cards(newest))
    return render(request, "web/home.html", {"featured": featured})


@require_GET
@vary_on_headers("HX-Request")
def mentor_directory(request):
    """Active mentors, filtered; an htmx request gets only the results."""
    form = DirectoryFilterForm(
        request.GET, topics=selectors.topic_rows(), languages=selectors.language_rows()
    )
    page = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            filters = DirectoryFilters(
                query=data["q"].strip(),
                area=data["area"],
                topic=data["topic"],
                language=data["language"],
                max_price=selectors.parse_price_filter(data["max_price"], data["currency"]),
            )
            page = selectors.mentor_directory_page(
                filters=filters, number=data["page"] or 1, size=DIRECTORY_PAGE_SIZE
            )
            selectors.mentors_rated(page.items)
        except DomainError as error:
            form.add_domain_error(error)
    template = "web/mentor_directory.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, {"form": form, "page": page})


def mentor_detail(request, public_id: str):
    """A mentor's public profile; a paused one is shown to its owner only."""
    try:
        profile = selectors.mentor_get_for_page(public_id=public_id, viewer=request.user)
    except NotFound:
        raise Http404("No such mentor.") from None
    is_owner = request.user.is_authenticated and request.user.pk == profile.user_id
    return render(request, "web/mentor_detail.html", {"profile": profile, "is_owner": is_owner})


@require_GET
@cache_control(private=True, max_age=24 * 3600)
def photo(request, public_id: str):
    """A person's photo from the default storage, for those allowed to see it."""
    try:
        image = selectors.photo_for_viewer(public_id=public_id, viewer=request.user)
        return FileResponse(image.open("rb"), content_type="image/webp")
    except (NotFound, FileNotFoundError):
        raise Http404("No such photo.") from None


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def manifest(request):
    """The web app manifest that makes the site installable."""
    icons = [
        {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("web/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    return JsonResponse(
        {
            "name": "Headstrt — micro-mentorship",
            "short_name": "Headstrt",
            "description": "Find the right mentor for the situation you are in, for 15 to 60 "
            "minutes.",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": icons,
        },
        content_type="application/manifest+json",
    )
