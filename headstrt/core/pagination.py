"""Page-number pagination shared by list pages and list endpoints."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import QuerySet

from headstrt.core.errors import DomainError

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results plus what a client needs to ask for the next."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(queryset: QuerySet, *, page: int = 1, size: int = 20) -> Page:
    """Slice ``queryset`` into page ``page`` of ``size`` items; bad numbers get a clear error."""
    if size < 1 or size > MAX_PAGE_SIZE:
        raise DomainError(
            "invalid_page_size", f"Page size must be between 1 and {MAX_PAGE_SIZE}.", field="size"
        )
    if page < 1:
        raise DomainError("invalid_page", "Page numbers start at 1.", field="page")
    total = queryset.count()
    start = (page - 1) * size
    # Past the end there is nothing to fetch, and a huge offset would overflow the database.
    items = list(queryset[start : start + size]) if start < total else []
    return Page(items=items, number=page, size=size, total=total)
