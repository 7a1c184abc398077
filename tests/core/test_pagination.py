"""Page-number pagination: refused page numbers and sizes, totals and neighbours."""

import pytest

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.core.pagination import MAX_PAGE_SIZE, Page, paginate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    users = UserFactory.create_batch(5, verified=False)
    return User.objects.filter(pk__in=[user.pk for user in users]).order_by("pk")


@pytest.mark.parametrize("size", [0, -1, MAX_PAGE_SIZE + 1])
def test_page_sizes_outside_the_limits_are_refused(people, size):
    with pytest.raises(DomainError) as caught:
        paginate(people, page=1, size=size)

    assert caught.value.code == "invalid_page_size"
    assert caught.value.field == "size"


@pytest.mark.parametrize("page", [0, -3])
def test_page_numbers_below_one_are_refused(people, page):
    with pytest.raises(DomainError) as caught:
        paginate(people, page=page, size=2)

    assert caught.value.code == "invalid_page"
    assert caught.value.field == "page"


def test_pages_slice_in_order_and_report_totals(people):
    everyone = list(people)

    first = paginate(people, page=1, size=2)
    last = paginate(people, page=3, size=2)

    assert first.items == everyone[:2]
    assert (first.total, first.pages, first.has_previous, first.has_next) == (5, 3, False, True)
    assert last.items == everyone[4:]
    assert (last.number, last.has_previous, last.has_next) == (3, True, False)


def test_the_largest_page_size_is_allowed(people):
    page = paginate(people, page=1, size=MAX_PAGE_SIZE)

    assert len(page.items) == 5
    assert page.pages == 1


def test_a_page_past_the_end_is_empty_but_keeps_the_totals(people):
    page = paginate(people, page=9, size=2)

    assert page.items == []
    assert page.total == 5
    assert page.has_next is False


def test_an_empty_list_has_one_page():
    page = paginate(User.objects.none(), page=1, size=20)

    assert (page.items, page.total, page.pages, page.has_next) == ([], 0, 1, False)


def test_a_page_costs_two_queries_whatever_its_size(people, django_assert_num_queries):
    with django_assert_num_queries(2):
        paginate(people, page=1, size=5)


def test_pages_round_up():
    assert Page(items=[], number=1, size=10, total=21).pages == 3
    assert Page(items=[], number=1, size=10, total=20).pages == 2
