"""Data for the dashboard tests, written straight to the tables at chosen times: sessions,
reviews, outcomes, disputes, earnings and written answers of a mentor."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from headstrt.core import clock
from headstrt.disputes.models import Dispute, DisputeReason, Remedy
from headstrt.payments.ledger import Leg, ledger_account, ledger_post
from headstrt.payments.models import AccountKind
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from headstrt.reviews.models import Outcome, Review
from headstrt.scheduling.models import Booking, BookingStatus, Party
from tests.factories import PerspectiveRequestFactory

NOW = datetime(2030, 3, 6, 12, 0, tzinfo=UTC)  # a Wednesday of ISO week 2030-W10
THIS_MONDAY = datetime(2030, 3, 4, tzinfo=UTC)


def weeks_ago(weeks: int, *, hours: int = 10) -> datetime:
    """A moment on the Monday ``weeks`` ISO weeks before the current one."""
    return THIS_MONDAY - timedelta(weeks=weeks) + timedelta(hours=hours)


def session(mentor, mentee, start, *, status=BookingStatus.COMPLETED, **extra) -> Booking:
    return Booking.objects.create(
        mentor=mentor,
        mentee=mentee,
        start=start,
        end=start + timedelta(minutes=30),
        minutes=30,
        price_minor=4000,
        currency=mentor.currency,
        status=status,
        confirmed_at=extra.pop("confirmed_at", start - timedelta(days=2)),
        **extra,
    )


def review(booking, *, stars: int, revealed: datetime) -> Review:
    return Review.objects.create(
        booking=booking,
        author=booking.mentee,
        subject=booking.mentor.user,
        subject_party=Party.MENTOR,
        stars=stars,
        reveal_at=revealed,
        created_at=revealed - timedelta(days=1),
        updated_at=revealed - timedelta(days=1),
    )


def outcome(booking, result: str, *, held: str = "") -> Outcome:
    return Outcome.objects.create(
        booking=booking,
        mentor=booking.mentor,
        mentee=booking.mentee,
        result=result,
        held=held,
        follow_up_at=booking.end + timedelta(days=30),
        created_at=booking.end,
    )


def dispute(booking) -> Dispute:
    return Dispute.objects.create(
        booking=booking,
        opener=booking.mentee,
        opener_party=Party.MENTEE,
        respondent=booking.mentor.user,
        reason=DisputeReason.QUALITY,
        description="It was not what was agreed.",
        wanted=Remedy.REFUND,
        wanted_mentor_percent=0,
        deadline=booking.end + timedelta(days=2),
        created_at=booking.end,
    )


def earning(user, minor: int, at: datetime, *, currency="EUR", kind="escrow_release") -> None:
    """``minor`` units reach ``user``'s earnings at ``at`` (from the provider, for brevity)."""
    clearing = ledger_account(AccountKind.PROVIDER_CLEARING, currency, provider="test")
    earnings = ledger_account(AccountKind.MENTOR_EARNINGS, currency, owner=user)
    # Ledger rows are written once, so the posting happens "at" that moment.
    with mock.patch.object(clock, "now", lambda: at):
        ledger_post(
            key=f"earning:{user.pk}:{at.isoformat()}:{minor}:{currency}:{kind}",
            kind=kind,
            legs=[Leg(clearing, -minor), Leg(earnings, minor)],
        )


def payout(user, minor: int, at: datetime, currency="EUR") -> None:
    """``minor`` units leave ``user``'s earnings for their bank at ``at``."""
    earnings = ledger_account(AccountKind.MENTOR_EARNINGS, currency, owner=user)
    paid_out = ledger_account(AccountKind.PAYOUTS, currency, owner=user)
    with mock.patch.object(clock, "now", lambda: at):
        ledger_post(
            key=f"payout:{user.pk}:{at.isoformat()}",
            kind="payout",
            legs=[Leg(earnings, -minor), Leg(paid_out, minor)],
        )


def answered_ask(mentor, *, asked: datetime, hours: float) -> PerspectiveAsk:
    """A written answer ``mentor`` gave ``hours`` after being asked."""
    return PerspectiveAsk.objects.create(
        request=PerspectiveRequestFactory(open=False, created_at=asked),
        mentor=mentor,
        price_minor=2000,
        currency=mentor.currency,
        status=AskStatus.ANSWERED,
        asked_at=asked,
        answered_at=asked + timedelta(hours=hours),
        created_at=asked,
    )
