"""The page of a list that a web page's ``?page=`` asks for."""

from django.db.models import QuerySet
from django.http import HttpRequest

from headstrt.core.pagination import Page, paginate

PAGE_SIZE = 20


def requested_page(request: HttpRequest, items: QuerySet, *, size: int = PAGE_SIZE) -> Page:
    """The page of ``items`` that ``?page=`` names; the first when it is missing or not a
    whole number, so a mangled link still shows the list."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    return paginate(items, page=number, size=size)
