"""A dashboard series as a chart: money on the y axis in the currency's own units, round
steps people can read, years on the x axis where the span crosses one, and big counts with
thousands separators."""

import re
from datetime import date

import pytest

from headstrt.dashboards.selectors import Point, Series
from headstrt.web.views.dashboards import chart_of


def y_ticks(chart) -> list[str]:
    return re.findall(r'dominant-baseline="middle">([^<]*)</text>', str(chart.svg))


def x_labels(chart) -> list[str]:
    return re.findall(r'text-anchor="middle">([^<]*)</text>', str(chart.svg))


def weekly(values, *, unit="count", currency="", first=date(2030, 2, 25)) -> Series:
    starts = [date.fromordinal(first.toordinal() + 7 * index) for index in range(len(values))]
    points = [Point(start, value, 1) for start, value in zip(starts, values, strict=True)]
    return Series("s", "S", unit=unit, period="week", points=points, currency=currency)


def monthly(first: date, count: int, *, unit="share") -> Series:
    starts, month = [], first
    for _ in range(count):
        starts.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return Series("m", "M", unit=unit, period="month", points=[Point(s, 0.5, 1) for s in starts])


@pytest.mark.parametrize(
    ("currency", "values", "ticks"),
    [
        # A yen has no minor unit: ¥5,000 is 5000, not ¥50.
        ("JPY", [5000, 1200], ["¥0", "¥2,000", "¥4,000", "¥6,000"]),
        # A dinar has 1000 fils: 10.000 KWD is 10000 minor units, not 100 dinars.
        ("KWD", [10000, 0], ["KWD0", "KWD5", "KWD10"]),
        ("EUR", [360000, 0], ["€0", "€1,000", "€2,000", "€3,000", "€4,000"]),
    ],
)
def test_money_ticks_are_in_the_currencys_major_units(currency, values, ticks):
    chart = chart_of(weekly(values, unit="minor", currency=currency))
    assert y_ticks(chart) == ticks


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        # €1.50 at most: steps of a whole euro, not €0, €0, €1, €2 for steps of 50 cents.
        ([150, 40], ["€0", "€1", "€2"]),
        # €10: steps of €5 rather than €2.50 shown as €3 and €8.
        ([1000, 0], ["€0", "€5", "€10"]),
    ],
)
def test_small_amounts_step_by_whole_major_units_so_no_label_repeats_or_lies(values, ticks):
    chart = chart_of(weekly(values, unit="minor", currency="EUR"))
    assert y_ticks(chart) == ticks


def test_counts_step_by_whole_numbers():
    # 10 at most: steps of 5, not 2.5 sessions.
    assert y_ticks(chart_of(weekly([10, 3]))) == ["0", "5", "10"]


def test_big_counts_have_thousands_separators():
    chart = chart_of(weekly([1_000_000, 250_000]))
    assert chart.rows[0][1] == "1,000,000"
    assert y_ticks(chart) == ["0", "250,000", "500,000", "750,000", "1,000,000"]
    assert "e+" not in str(chart.svg) and "Highest: 1,000,000" in chart.description


def test_months_across_a_year_name_the_year_on_the_first_labelled_month_of_each():
    chart = chart_of(monthly(date(2029, 3, 1), 13))  # March 2029 to March 2030
    assert x_labels(chart) == ["Mar 2029", "Jun", "Sep", "Dec", "Mar 2030"]
    chart = chart_of(monthly(date(2029, 8, 1), 7))  # August 2029 to February 2030
    assert x_labels(chart) == ["Aug 2029", "Oct", "Dec", "Feb 2030"]


def test_months_within_one_year_have_no_year():
    assert x_labels(chart_of(monthly(date(2030, 1, 1), 3))) == ["Jan", "Feb", "Mar"]


def test_weeks_across_a_year_name_the_year_where_it_changes():
    chart = chart_of(weekly([1] * 13, first=date(2029, 12, 3)))
    labels = x_labels(chart)
    assert labels[0].endswith(" 2029") and labels[-1] == "25 Feb"
    assert sum(label.endswith(" 2030") for label in labels) == 1
    assert len(set(labels)) == len(labels)
