"""Dashboards with charts: a mentor's own, and the platform's health for staff."""

from datetime import date

from babel.numbers import format_currency
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache

from headstrt.core.errors import NotFound, PermissionDenied
from headstrt.core.money import Money, minor_exponent
from headstrt.dashboards import selectors
from headstrt.dashboards.selectors import Series
from headstrt.payments.statements import amount_display
from headstrt.web.charts import EMPTY, Chart, bar_chart, labelled, line_chart
from headstrt.web.refusals import http_refusal

# The spans a page offers; any other ?weeks= shows the default, so a mangled link still works.
WEEK_CHOICES = (13, 26, 52)


def requested_weeks(request) -> int:
    """The number of weeks ``?weeks=`` asks for, when it is one the pages offer."""
    try:
        weeks = int(request.GET.get("weeks", ""))
    except ValueError:
        return selectors.DEFAULT_WEEKS
    return weeks if weeks in WEEK_CHOICES else selectors.DEFAULT_WEEKS


def _axis_labels(starts: list[date], period: str) -> list[str]:
    """The periods' short names on the x axis. Where the span crosses a year, the first
    period named on the axis in each year also says the year, so a year's months are not
    taken for another's."""
    crosses = starts[0].year != starts[-1].year
    named = set(labelled(len(starts)))
    labels, year = [], None
    for index, start in enumerate(starts):
        label = f"{start:%b}" if period == "month" else f"{start.day} {start:%b}"
        if index in named:
            if crosses and start.year != year:
                label = f"{label} {start:%Y}"
            year = start.year
        labels.append(label)
    return labels


def _number(value: float) -> str:
    """A count or measure with thousands separators and at most two decimals, none needless
    (never 1e+06)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _period_name(start: date, period: str) -> str:
    return f"{start:%B %Y}" if period == "month" else f"Week of {start.day} {start:%b %Y}"


def _figure(series: Series, value: float | None) -> str:
    """A value as people read it, in the series' unit."""
    if value is None:
        return EMPTY
    if series.unit == "share":
        return f"{round(value * 100)}%"
    if series.unit == "stars":
        return f"{value:.2f}"
    if series.unit == "hours":
        return f"{value:,.1f} h"
    if series.unit == "minor":
        return amount_display(Money(round(value), series.currency))
    return _number(value)


def _tick(series: Series):
    """How the y axis labels a tick of the series: short; money in whole major units, which
    its ticks step by (see ``chart_of``)."""
    if series.unit == "share":
        return lambda tick: f"{round(tick * 100)}%"
    if series.unit == "minor":
        scale = 10 ** minor_exponent(series.currency)
        return lambda tick: format_currency(
            tick / scale, series.currency, format="¤#,##0", currency_digits=False, locale="en"
        )
    if series.unit == "hours":
        return lambda tick: f"{_number(tick)} h"
    return _number


def chart_of(series: Series, *, lead: str = "") -> Chart:
    """The chart of a series: bars for counts and money, a line for rates and ratings."""
    values = [point.value for point in series.points]
    starts = [point.start for point in series.points]
    common = {
        "key": series.key,
        "title": series.label,
        "labels": _axis_labels(starts, series.period),
        "names": [_period_name(point.start, series.period) for point in series.points],
        "values": values,
        "shown": [_figure(series, value) for value in values],
        "tick_format": _tick(series),
        "lead": lead,
    }
    if series.unit == "count":
        return bar_chart(**common)
    if series.unit == "minor":
        # Steps of one major unit at least, so no two ticks read the same rounded amount.
        return bar_chart(**common, grain=10 ** minor_exponent(series.currency))
    if series.unit == "stars":
        return line_chart(**common, low=1, high=5)
    if series.unit == "share":
        return line_chart(**common, low=0, high=1)
    return line_chart(**common)


@login_required
@never_cache
def mentor_dashboard(request):
    """A mentor's own dashboard: sessions, earnings, rating and outcome rate over time."""
    weeks = requested_weeks(request)
    try:
        found = selectors.mentor_dashboard(user=request.user, weeks=weeks)
    except NotFound:
        messages.info(
            request, "Open your mentor profile first: the dashboard is about your mentoring."
        )
        return redirect("web:mentor_profile")
    charts = [
        chart_of(found.sessions, lead="Sessions held per week."),
        chart_of(found.earnings, lead=f"Earnings per week in {found.currency}, after the fee."),
        chart_of(found.rating, lead="Your rating at the end of each month."),
        chart_of(found.outcomes, lead="Share of objectives reached, per month."),
    ]
    context = {
        "dashboard": found,
        "charts": charts,
        "weeks": weeks,
        "week_choices": WEEK_CHOICES,
    }
    return render(request, "web/dashboards/mentor.html", context)


@login_required
@never_cache
def platform_health(request):
    """The platform's health per week, for staff."""
    weeks = requested_weeks(request)
    try:
        found = selectors.platform_health(staff=request.user, weeks=weeks)
    except PermissionDenied as error:
        raise http_refusal(error) from None
    charts = [
        chart_of(found.sessions, lead="Sessions held per week."),
        chart_of(found.no_show_rate, lead="Share of sessions someone missed, per week."),
        chart_of(found.dispute_rate, lead="Share of sessions disputed, per week."),
        chart_of(found.outcome_rate, lead="Share of objectives reached, per week."),
        chart_of(found.accept_hours, lead="Median hours for mentors to accept a request."),
        chart_of(found.answer_hours, lead="Median hours to answer a written question."),
    ]
    context = {"health": found, "charts": charts, "weeks": weeks, "week_choices": WEEK_CHOICES}
    return render(request, "web/dashboards/health.html", context)


routes = [
    path("me/dashboard/", mentor_dashboard, name="mentor_dashboard"),
    path("staff/health/", platform_health, name="platform_health"),
]
