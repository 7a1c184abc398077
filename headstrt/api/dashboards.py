"""Dashboards: a mentor's own figures over time, and the platform's health for staff."""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from headstrt.api.schemas import MoneyOut
from headstrt.dashboards import selectors

router = Router(tags=["Dashboards"])


class PeriodQuery(Schema):
    weeks: int = Field(
        selectors.DEFAULT_WEEKS,
        ge=1,
        le=selectors.MAX_WEEKS,
        description="How many ISO weeks to cover, the current one included",
    )


class PointOut(Schema):
    start: date = Field(description="Monday of the ISO week, or the first day of the month (UTC)")
    value: float | None = Field(description="The figure; null where a rate has nothing to count")
    count: int = Field(description="How many sessions, answers or reviews the figure stands on")


class SeriesOut(Schema):
    label: str
    unit: str = Field(description="count, share (0 to 1), stars (1 to 5), hours or minor")
    period: str = Field(description="week or month")
    currency: str = Field(description="The currency of minor units; empty for other units")
    points: list[PointOut]


class MentorDashboardOut(Schema):
    weeks: int
    since: date
    currency: str = Field(description="The mentor profile's currency, which earnings are in")
    other_currencies: list[str] = Field(description="Other currencies earned in this period")
    sessions_total: int
    earnings_total: MoneyOut
    rating: float | None = Field(description="Today's Bayesian rating, as on the profile")
    reviews: int
    outcome_rate: float | None = Field(description="Reached 1, partly ½, over the period")
    outcome_answers: int
    series: dict[str, SeriesOut] = Field(description="sessions, earnings, rating, outcomes")


class PlatformHealthOut(Schema):
    weeks: int
    since: date
    sessions_total: int
    no_shows_total: int
    disputes_total: int
    series: dict[str, SeriesOut] = Field(
        description="sessions, no_show_rate, dispute_rate, outcome_rate, accept_hours, answer_hours"
    )


def _series(*found: selectors.Series) -> dict[str, selectors.Series]:
    return {series.key: series for series in found}


@router.get("me/dashboard", response=MentorDashboardOut)
def mentor_dashboard(request: HttpRequest, query: Query[PeriodQuery]):
    """Your dashboard as a mentor: sessions held and earnings (in your profile's
    currency, after the platform fee) per ISO week, rating and outcome rate per month.
    404 without a mentor profile."""
    found = selectors.mentor_dashboard(user=request.auth, weeks=query.weeks)
    return {
        **{name: getattr(found, name) for name in ("weeks", "since", "currency", "reviews")},
        "other_currencies": found.other_currencies,
        "sessions_total": found.sessions_total,
        "earnings_total": MoneyOut.of(found.earnings_total),
        "rating": found.rating_now,
        "outcome_rate": found.outcome_rate,
        "outcome_answers": found.outcome_answers,
        "series": _series(found.sessions, found.earnings, found.rating, found.outcomes),
    }


@router.get("staff/health", response=PlatformHealthOut)
def platform_health(request: HttpRequest, query: Query[PeriodQuery]):
    """The platform's health per ISO week: sessions held, no-show, dispute and outcome rates,
    median hours to accept a request and to answer a written question. Staff only (403)."""
    found = selectors.platform_health(staff=request.auth, weeks=query.weeks)
    return {
        "weeks": found.weeks,
        "since": found.since,
        "sessions_total": found.sessions_total,
        "no_shows_total": found.no_shows_total,
        "disputes_total": found.disputes_total,
        "series": _series(
            found.sessions,
            found.no_show_rate,
            found.dispute_rate,
            found.outcome_rate,
            found.accept_hours,
            found.answer_hours,
        ),
    }
