"""Choosing a neutral mediator for a dispute: who may take it, and the least loaded of them."""

from datetime import datetime

from django.db.models import Count, Q

from headstrt.disputes.models import Assignment, Dispute, Mediator
from headstrt.network.graph import tied_within_two_hops


def mediators_eligible(dispute: Dispute, *, now: datetime) -> list[Mediator]:
    """The mediators who may take ``dispute`` now, the least loaded first.

    Eligible: an active mediator whose account is active and not paused, never assigned to
    this dispute before, and not within two hops of either party in the network (see
    ``headstrt.network.graph``). Load: the fewest live assignments, then the fewest
    assignments overall, then the longest-standing mediator. The pool is read in one query;
    which of its mediators are near the parties is then asked of the graph from both ends
    (``tied_within_two_hops``), so the parties' second ring is never read.
    """
    pool = (
        Mediator.objects.filter(is_active=True, user__is_active=True)
        .filter(Q(user__paused_until__isnull=True) | Q(user__paused_until__lte=now))
        .exclude(pk__in=Assignment.objects.filter(dispute=dispute).values("mediator_id"))
        .annotate(
            live=Count("assignments", filter=Q(assignments__ended_at__isnull=True)),
            total=Count("assignments"),
        )
        .select_related("user")
        .order_by("live", "total", "pk")
    )
    mediators = list(pool)
    near = tied_within_two_hops(
        {dispute.opener_id, dispute.respondent_id}, [mediator.user_id for mediator in mediators]
    )
    return [mediator for mediator in mediators if mediator.user_id not in near]


def mediator_assign(
    dispute: Dispute, *, stage: str, now: datetime, due_at: datetime
) -> Assignment | None:
    """Give ``dispute`` to the least loaded eligible mediator until ``due_at``; ``None`` when
    nobody is eligible. Call inside the dispute's transaction with its row locked; the
    chosen mediator's row is locked too, so a mediator deactivated meanwhile is passed over."""
    for candidate in mediators_eligible(dispute, now=now):
        locked = (
            Mediator.objects.select_for_update(of=("self",))
            .filter(pk=candidate.pk, is_active=True, user__is_active=True)
            .first()
        )
        if locked is None:
            continue
        return Assignment.objects.create(
            dispute=dispute,
            mediator=candidate,
            stage=stage,
            assigned_at=now,
            due_at=due_at,
        )
    return None
