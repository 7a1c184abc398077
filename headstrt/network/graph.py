"""Who is tied to whom: the people one session, written answer, review or dispute message
away, and those two steps away (what mediator neutrality and the network's discovery read).

Each tie kind is one query per side on indexed columns (a foreign key or the booking's
person indexes), for up to ``_BATCH`` people at a time, so a lookup costs a bounded number of
queries whatever the size of the platform.
"""

from collections.abc import Iterable, Iterator

from headstrt.disputes.models import DisputeMessage
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from headstrt.reviews.models import Review
from headstrt.scheduling.models import Booking

# Ids per query: well under every database's limit on bound parameters.
_BATCH = 500


def _batches(ids: set[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


def _session_pairs(ids: list[int]) -> Iterable[tuple[int, int]]:
    """(mentee, mentor) of sessions that were confirmed at some point, with any of ``ids``."""
    sessions = Booking.objects.filter(confirmed_at__isnull=False).order_by()
    columns = ("mentee_id", "mentor__user_id")
    # One side at a time, so each uses its own index; an OR across the join to the mentor's
    # user would read every booking.
    return (
        sessions.filter(mentee_id__in=ids)
        .values_list(*columns)
        .union(sessions.filter(mentor__user_id__in=ids).values_list(*columns))
    )


def _answer_pairs(ids: list[int]) -> Iterable[tuple[int, int]]:
    """(mentee, mentor) of written answers given, with any of ``ids``."""
    answers = PerspectiveAsk.objects.filter(status=AskStatus.ANSWERED).order_by()
    columns = ("request__mentee_id", "mentor__user_id")
    return (
        answers.filter(request__mentee_id__in=ids)
        .values_list(*columns)
        .union(answers.filter(mentor__user_id__in=ids).values_list(*columns))
    )


def _review_pairs(ids: list[int]) -> Iterable[tuple[int, int]]:
    reviews = Review.objects.order_by()
    columns = ("author_id", "subject_id")
    return (
        reviews.filter(author_id__in=ids)
        .values_list(*columns)
        .union(reviews.filter(subject_id__in=ids).values_list(*columns))
    )


def _message_pairs(ids: list[int]) -> Iterable[tuple[int, int]]:
    """(author, party) for each dispute message and each party of its dispute: whoever
    wrote on a case is tied to both of its parties."""
    messages = DisputeMessage.objects.order_by()
    columns = ("author_id", "dispute__opener_id", "dispute__respondent_id")
    rows = (
        messages.filter(author_id__in=ids)
        .values_list(*columns)
        .union(
            messages.filter(dispute__opener_id__in=ids).values_list(*columns),
            messages.filter(dispute__respondent_id__in=ids).values_list(*columns),
        )
    )
    for author, opener, respondent in rows:
        yield author, opener
        yield author, respondent


def neighbours(user_ids: Iterable[int]) -> set[int]:
    """The people with a direct tie to any of ``user_ids``: a session between them that was
    confirmed at some point (either side), a written answer one gave the other, a review
    either way, or a message on a dispute where the other is a party. The people themselves
    are not included unless tied to each other."""
    ids = {int(pk) for pk in user_ids}
    found: set[int] = set()
    for batch in _batches(ids):
        for pairs in (
            _session_pairs(batch),
            _answer_pairs(batch),
            _review_pairs(batch),
            _message_pairs(batch),
        ):
            for one, other in pairs:
                if one in ids and other != one:
                    found.add(other)
                if other in ids and other != one:
                    found.add(one)
    return found


def within_two_hops(user_ids: Iterable[int]) -> set[int]:
    """The people themselves, their neighbours, and their neighbours' neighbours."""
    people = {int(pk) for pk in user_ids}
    first = neighbours(people)
    return people | first | neighbours(first - people)
