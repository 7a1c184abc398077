"""Reads of the dashboards: a mentor's own figures and the platform's health, as series per
ISO week or calendar month in UTC, each aggregated in the database in a fixed number of
queries."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth, TruncWeek

from headstrt.accounts.models import MentorProfile, User
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.payments.models import AccountKind, LedgerEntry
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from headstrt.reviews.models import Outcome, Review
from headstrt.reviews.outcomes import OUTCOME_VALUE
from headstrt.reviews.reputation import PRIOR_MEAN, PRIOR_WEIGHT
from headstrt.reviews.selectors import visible
from headstrt.scheduling.models import Booking, BookingStatus, Party

DEFAULT_WEEKS = 26
MAX_WEEKS = 104


@dataclass(frozen=True)
class Point:
    """One period of a series: ``start`` is the Monday of the ISO week or the first day of
    the month; ``value`` is ``None`` where a rate has nothing to count; ``count`` is how
    many things the value stands on (sessions, answers, reviews)."""

    start: date
    value: float | None
    count: int


@dataclass(frozen=True)
class Series:
    """A named series over consecutive periods (``week`` or ``month``), oldest first.

    ``unit`` says how to read the values: ``count``, ``share`` (0..1), ``stars`` (1..5),
    ``hours`` or ``minor`` (minor units of ``currency``)."""

    key: str
    label: str
    unit: str
    period: str
    points: list[Point]
    currency: str = ""


@dataclass(frozen=True)
class MentorDashboard:
    """A mentor's dashboard over the last ``weeks`` ISO weeks (from ``since``).

    Earnings are in the mentor's main ``currency``; ``other_currencies`` names any other
    currency they earned in over the period (shown on the earnings page, not here).
    ``rating`` is the Bayesian rating as it stood at the end of each month;
    ``rating_now`` is today's, over ``reviews`` visible reviews."""

    weeks: int
    since: date
    currency: str
    other_currencies: list[str]
    sessions: Series
    earnings: Series
    rating: Series
    outcomes: Series
    sessions_total: int
    earnings_total: Money
    rating_now: float | None
    reviews: int
    outcome_rate: float | None
    outcome_answers: int


@dataclass(frozen=True)
class PlatformHealth:
    """The platform's health over the last ``weeks`` ISO weeks (from ``since``)."""

    weeks: int
    since: date
    sessions: Series
    no_show_rate: Series
    dispute_rate: Series
    outcome_rate: Series
    accept_hours: Series
    answer_hours: Series
    sessions_total: int
    no_shows_total: int
    disputes_total: int


# --- periods ---------------------------------------------------------------------------------


def _checked_weeks(weeks: object) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise DomainError(
            "invalid",
            f"The number of weeks is a whole number from 1 to {MAX_WEEKS}.",
            field="weeks",
            status=422,
        )
    return weeks


def week_starts(*, weeks: int, now: datetime) -> list[date]:
    """The Mondays of the last ``weeks`` ISO weeks in UTC, the current week last."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def month_starts(*, since: date, now: datetime) -> list[date]:
    """The first days of the calendar months from ``since``'s to the current one (UTC)."""
    today = now.astimezone(UTC).date()
    months, month = [], since.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _week(field: str) -> TruncWeek:
    return TruncWeek(field, tzinfo=UTC)


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=UTC)


def _day(value: date | datetime) -> date:
    """A truncated period as a date (backends answer an aware datetime, or a date)."""
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def _by_period(rows: Iterable[dict], key: str = "period") -> dict[date, dict]:
    return {_day(row[key]): row for row in rows}


def _series(
    key: str,
    label: str,
    *,
    unit: str,
    period: str,
    starts: list[date],
    rows: dict[date, dict],
    value: Callable[[dict | None], tuple[float | None, int]],
    currency: str = "",
) -> Series:
    """A series with a point for every period in ``starts``; ``value`` turns a period's row
    (``None`` for a period without rows) into its value and count."""
    points = [Point(start, *value(rows.get(start))) for start in starts]
    return Series(key, label, unit=unit, period=period, points=points, currency=currency)


def _counted(field: str) -> Callable[[dict | None], tuple[float, int]]:
    def value(row: dict | None) -> tuple[float, int]:
        count = row[field] if row else 0
        return float(count), count

    return value


def _share(part: str, whole: str) -> Callable[[dict | None], tuple[float | None, int]]:
    def value(row: dict | None) -> tuple[float | None, int]:
        if not row or not row[whole]:
            return None, 0
        return row[part] / row[whole], row[whole]

    return value


def _outcome_value(row: dict | None) -> tuple[float | None, int]:
    if not row or not row["answers"]:
        return None, 0
    return row["total"] / row["answers"], row["answers"]


def _answered_outcomes(outcomes: QuerySet[Outcome], *, period) -> dict[date, dict]:
    """Answered outcomes per period (of the session being marked done): their number and the
    sum of their values, as outcome rates count them (reached 1, partly ½)."""
    rows = (
        outcomes.exclude(result="")
        .order_by()
        .annotate(period=period)
        .values("period")
        .annotate(answers=Count("pk"), total=Sum(OUTCOME_VALUE))
    )
    return _by_period(rows)


def held_sessions(now: datetime) -> Q:
    """Bookings of sessions held: marked done, or confirmed and over though nobody marked
    them (their escrow is released all the same). No-shows are not held."""
    return Q(status=BookingStatus.COMPLETED) | Q(status=BookingStatus.CONFIRMED, end__lte=now)


def _median_hours(items: QuerySet, *, begins: str, ends: str) -> dict[date, dict]:
    """The median time from ``begins`` to ``ends`` per ISO week of ``ends``, in hours, with
    the number of items, in one query: the database numbers each week's items by duration
    and answers only the one or two in the middle."""
    duration = ExpressionWrapper(F(ends) - F(begins), output_field=DurationField())
    week = _week(ends)
    middle = (
        items.order_by()
        .annotate(
            period=week,
            duration=duration,
            position=Window(RowNumber(), partition_by=[week], order_by=duration.asc()),
            size=Window(Count("pk"), partition_by=[week]),
        )
        # Odd sizes keep the middle item, even sizes the two around the middle.
        .filter(position__gte=F("size") / 2.0, position__lte=F("size") / 2.0 + 1)
        .values_list("period", "duration", "size")
    )
    found: dict[date, list] = {}
    for period, duration, size in middle:
        found.setdefault(_day(period), [size, []])[1].append(duration)
    return {
        day: {
            "hours": sum(d.total_seconds() for d in durations) / len(durations) / 3600,
            "size": size,
        }
        for day, (size, durations) in found.items()
    }


def _median_value(row: dict | None) -> tuple[float | None, int]:
    return (row["hours"], row["size"]) if row else (None, 0)


# --- a mentor's dashboard ----------------------------------------------------------------------


def _bayesian(total: float, count: int) -> float:
    return (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)


def _rating_series(user: User, *, months: list[date], now: datetime) -> tuple[Series, int]:
    """The mentor's Bayesian rating at the end of each month (over reviews revealed by then),
    and how many reviews count today. Reviews before the window count toward its first
    month, so the line starts where the rating stood."""
    rows = (
        Review.objects.filter(visible(now), subject=user, subject_party=Party.MENTOR)
        .order_by()
        .annotate(period=_month("reveal_at"))
        .values("period")
        .annotate(reviews=Count("pk"), stars=Sum("stars"))
    )
    per_month = _by_period(rows)
    points, stars, reviews = [], 0, 0
    earlier = [day for day in per_month if day < months[0]]
    for day in earlier:
        stars += per_month[day]["stars"]
        reviews += per_month[day]["reviews"]
    for month in months:
        row = per_month.get(month)
        if row:
            stars += row["stars"]
            reviews += row["reviews"]
        points.append(Point(month, _bayesian(stars, reviews) if reviews else None, reviews))
    series = Series(
        "rating", "Rating (as on your profile)", unit="stars", period="month", points=points
    )
    return series, reviews


def mentor_dashboard(*, user: User, weeks: object = DEFAULT_WEEKS) -> MentorDashboard:
    """``user``'s own dashboard as a mentor: sessions held and net earnings per week,
    rating and outcome rate per month. ``NotFound`` for someone without a mentor profile.
    Five queries, whatever the history."""
    weeks = _checked_weeks(weeks)
    mentor = MentorProfile.objects.filter(user=user).first()
    if mentor is None:
        raise NotFound("Open your mentor profile first: the dashboard is about your mentoring.")
    now = clock.now()
    starts = week_starts(weeks=weeks, now=now)
    since = _midnight(starts[0])
    months = month_starts(since=starts[0], now=now)

    sessions = _by_period(
        Booking.objects.filter(held_sessions(now), mentor=mentor, start__gte=since)
        .order_by()
        .annotate(period=_week("start"))
        .values("period")
        .annotate(sessions=Count("pk"))
    )
    # What reached the mentor's earnings: releases (net of the fee), tips, settlements. A
    # payout takes money out of the earnings and is no income.
    earned = (
        LedgerEntry.objects.filter(
            account__owner=user,
            account__kind=AccountKind.MENTOR_EARNINGS,
            amount_minor__gt=0,
            transaction__created_at__gte=since,
        )
        .exclude(transaction__kind__startswith="payout")
        .order_by()
        .annotate(period=_week("transaction__created_at"))
        .values("currency", "period")
        .annotate(minor=Sum("amount_minor"))
    )
    earned = list(earned)
    currency = mentor.currency
    earnings = _by_period(row for row in earned if row["currency"] == currency)
    outcomes = _answered_outcomes(
        Outcome.objects.filter(mentor=mentor, created_at__gte=_midnight(months[0])),
        period=_month("created_at"),
    )
    rating, reviews = _rating_series(user, months=months, now=now)

    answers = sum(row["answers"] for row in outcomes.values())
    total = sum(row["total"] for row in outcomes.values())
    sessions_series = _series(
        "sessions",
        "Sessions held",
        unit="count",
        period="week",
        starts=starts,
        rows=sessions,
        value=_counted("sessions"),
    )
    earnings_series = _series(
        "earnings",
        f"Earnings in {currency}, after the platform fee",
        unit="minor",
        period="week",
        starts=starts,
        rows=earnings,
        value=lambda row: (float(row["minor"]), 1) if row else (0.0, 0),
        currency=currency,
    )
    return MentorDashboard(
        weeks=weeks,
        since=starts[0],
        currency=currency,
        other_currencies=sorted({row["currency"] for row in earned} - {currency}),
        sessions=sessions_series,
        earnings=earnings_series,
        rating=rating,
        outcomes=_series(
            "outcomes",
            "Outcome rate",
            unit="share",
            period="month",
            starts=months,
            rows=outcomes,
            value=_outcome_value,
        ),
        sessions_total=sum(point.count for point in sessions_series.points),
        earnings_total=Money(sum(row["minor"] for row in earnings.values()), currency),
        rating_now=rating.points[-1].value,
        reviews=reviews,
        outcome_rate=total / answers if answers else None,
        outcome_answers=answers,
    )


# --- the platform's health ---------------------------------------------------------------------


def platform_health(*, staff: User, weeks: object = DEFAULT_WEEKS) -> PlatformHealth:
    """The platform's health per ISO week, for staff: sessions held, no-show and dispute
    rates, outcome rate, and how fast mentors accept requests and answer written questions.
    ``PermissionDenied`` for anyone else. Four queries, whatever the history."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff see the platform's health.")
    weeks = _checked_weeks(weeks)
    now = clock.now()
    starts = week_starts(weeks=weeks, now=now)
    since = _midnight(starts[0])

    # Rates are shares of the sessions due to take place: held or missed (no-shows).
    no_show = Q(status=BookingStatus.NO_SHOW)
    bookings = _by_period(
        Booking.objects.filter(held_sessions(now) | no_show, start__gte=since)
        .order_by()
        .annotate(period=_week("start"))
        .values("period")
        .annotate(
            due=Count("pk"),
            held=Count("pk", filter=held_sessions(now)),
            no_shows=Count("pk", filter=no_show),
            disputes=Count("dispute"),
        )
    )
    outcomes = _answered_outcomes(
        Outcome.objects.filter(created_at__gte=since), period=_week("created_at")
    )
    # A request is a booking that had to wait for the mentor (it has a deadline to answer);
    # it is measured from when the mentee made it.
    accepted = _median_hours(
        Booking.objects.filter(
            respond_by__isnull=False, confirmed_at__isnull=False, confirmed_at__gte=since
        ),
        begins="created_at",
        ends="confirmed_at",
    )
    answered = _median_hours(
        PerspectiveAsk.objects.filter(
            status=AskStatus.ANSWERED, asked_at__isnull=False, answered_at__gte=since
        ),
        begins="asked_at",
        ends="answered_at",
    )

    def weekly(key: str, label: str, unit: str, rows: dict, value) -> Series:
        return _series(key, label, unit=unit, period="week", starts=starts, rows=rows, value=value)

    return PlatformHealth(
        weeks=weeks,
        since=starts[0],
        sessions=weekly("sessions", "Sessions held", "count", bookings, _counted("held")),
        no_show_rate=weekly(
            "no_show_rate", "No-show rate", "share", bookings, _share("no_shows", "due")
        ),
        dispute_rate=weekly(
            "dispute_rate", "Dispute rate", "share", bookings, _share("disputes", "due")
        ),
        outcome_rate=weekly("outcome_rate", "Outcome rate", "share", outcomes, _outcome_value),
        accept_hours=weekly(
            "accept_hours", "Time to accept a request (median)", "hours", accepted, _median_value
        ),
        answer_hours=weekly(
            "answer_hours",
            "Time to answer a written question (median)",
            "hours",
            answered,
            _median_value,
        ),
        sessions_total=sum(row["held"] for row in bookings.values()),
        no_shows_total=sum(row["no_shows"] for row in bookings.values()),
        disputes_total=sum(row["disputes"] for row in bookings.values()),
    )
