"""Upkeep the worker runs every few minutes beside its tasks.

Deadlines have their own scheduled tasks; this sweep is the safety net should one be lost
(a worker killed mid-task, a database restored from a backup), and it forgets old records.
Everything it calls is safe to run at any time and from several workers at once.
"""

import logging

from django.conf import settings

from headstrt.core.idempotency import idempotency_records_forget
from headstrt.disputes.services import disputes_advance
from headstrt.matching.indexing import mentor_index_sync
from headstrt.operations.checks import LOCAL_CACHE
from headstrt.payments.payouts import payouts_run
from headstrt.payments.services import (
    escrow_release_due,
    payments_recheck_pending,
    refunds_send_pending,
)
from headstrt.perspectives.services import perspectives_expire_due
from headstrt.reviews.outcomes import outcome_follow_ups_send
from headstrt.reviews.services import reviews_announce_revealed
from headstrt.reviews.standing import standings_keep_all
from headstrt.scheduling.services import bookings_expire_lapsed

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 600


def housekeeping_run() -> dict[str, int]:
    """One sweep: expire lapsed holds and requests, settle charges whose answer was lost,
    resend pending refunds, release escrow past its dispute window, forget expired
    idempotency keys, pay out mentors (each at most once a day: a payout's key holds its
    date), tell people of reviews revealed when their window closed, ask mentees whether
    their outcome held, keep the saved matching index current and, with a shared cache, every
    mentor's standing for matching, apply the default of every
    dispute whose deadline passed, and expire (and refund) written answers past their
    deadline, withdrawing questions left unpaid for a day."""
    return {
        "requests_expired": bookings_expire_lapsed(),
        "payments_settled": payments_recheck_pending(),
        "refunds_sent": refunds_send_pending(),
        "escrows_released": escrow_release_due(),
        "idempotency_keys_forgotten": idempotency_records_forget(),
        "payouts_paid": payouts_run(),
        "reviews_revealed": reviews_announce_revealed(),
        "outcome_follow_ups_asked": outcome_follow_ups_send(),
        "index_mentors_dropped": mentor_index_sync(),
        # Kept in a cache of this process alone, no server would read them.
        "standings_kept": (
            0 if settings.CACHES["default"]["BACKEND"] == LOCAL_CACHE else standings_keep_all()
        ),
        "disputes_advanced": disputes_advance(),
        "perspectives_expired": perspectives_expire_due(),
    }
