"""The one text per mentor profile the directory's search reads, and how it is rewritten.

A mentor is found by their name, headline, bio and areas of expertise (each area's topic
name and description). Looking in four tables costs a search a union of four sets of ids;
the profile instead holds all of it in ``MentorProfile.search_text``, in capitals as the
search compares it, and the search is one condition per word on that column (on
PostgreSQL, with the trigram index of accounts 0009). Every write that changes one of those
parts rewrites the text of the profiles concerned with ``mentor_search_text_refresh``.
"""

from django.db import models, transaction
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Upper

from headstrt.accounts.models import ExpertiseEntry, MentorProfile, User

# Between the parts: a search word never holds a line break (the query is split at
# whitespace), so a word found in the text lies within one part, as when each part was
# searched alone.
SEPARATOR = "\n"


class _Joined(Aggregate):
    """A group's texts joined by ``SEPARATOR``, in no particular order."""

    function = "STRING_AGG"
    output_field = models.TextField()

    def __init__(self, expression):
        super().__init__(expression, Value(SEPARATOR))

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def mentor_search_text(*, people=User, entries=ExpertiseEntry) -> Upper:
    """The search text of a mentor profile as an expression for ``QuerySet.update``: headline,
    bio, the person's name, and each area of expertise's topic name and description, in
    capitals (as ``icontains`` compares). ``people`` and ``entries`` are the models read; a
    migration passes its historical ones."""
    name = Subquery(people.objects.filter(pk=OuterRef("user_id")).values("display_name")[:1])
    expertise = Subquery(
        entries.objects.filter(mentor_id=OuterRef("pk"))
        .order_by()
        .values("mentor_id")
        .annotate(text=_Joined(Concat("topic__name", Value(SEPARATOR), "description")))
        .values("text")
    )
    parts = ["headline", "bio", name, expertise]
    joined = [part for each in parts for part in (Value(SEPARATOR), each)][1:]
    return Upper(Concat(*joined, output_field=models.TextField()))


def mentor_search_text_refresh(profiles: QuerySet[MentorProfile]) -> None:
    """Rewrite the search text of ``profiles`` from what is stored now, in the calling
    transaction (or one of its own). The rows are locked first: a change committed by
    another transaction while this one waited is then read too, so the last text written
    holds every change."""
    with transaction.atomic(savepoint=False):
        ids = list(profiles.select_for_update().order_by("pk").values_list("pk", flat=True))
        if ids:
            MentorProfile.objects.filter(pk__in=ids).update(search_text=mentor_search_text())
