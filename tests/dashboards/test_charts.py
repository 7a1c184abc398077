"""Server-drawn SVG charts: round axis ticks, bars and lines where the values say, gaps for
missing values, escaped text and an accessible name and description."""

import re

import pytest

from headstrt.web import charts
from headstrt.web.charts import BOTTOM, HEIGHT, TOP, axis_ticks, bar_chart, line_chart, nice_step


def fmt(value):
    return f"{value:g}"


@pytest.mark.parametrize(
    ("span", "step"), [(4, 1), (1, 0.25), (10, 2.5), (37, 10), (3600, 1000), (0, 1)]
)
def test_steps_are_round(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_ticks_reach_at_or_above_the_top_value():
    assert axis_ticks([0, 3, 2], grain=1) == [0, 1, 2, 3]
    assert axis_ticks([0, 0], grain=1) == [0, 1]
    assert axis_ticks([7], grain=1) == [0, 2, 4, 6, 8]
    assert axis_ticks([None, 0.4], low=0, high=1) == [0, 0.25, 0.5, 0.75, 1]
    assert axis_ticks([4.2], low=1, high=5) == [1, 2, 3, 4, 5]


def _bars(svg: str) -> list[tuple[float, float, float]]:
    return [
        (float(x), float(y), float(h))
        for x, y, h in re.findall(
            r'<rect class="chart__bar" x="([\d.]+)" y="([\d.]+)" '
            r'width="[\d.]+" height="([\d.]+)"',
            svg,
        )
    ]


def test_bars_stand_in_their_periods_with_heights_in_proportion():
    chart = bar_chart(
        key="sessions",
        title="Sessions",
        labels=["a", "b", "c", "d"],
        names=["A", "B", "C", "D"],
        values=[2, 0, 4, 1],
        shown=["2", "0", "4", "1"],
        tick_format=fmt,
    )
    found = _bars(chart.svg)
    assert len(found) == 3  # no bar for zero
    xs = [x for x, _, _ in found]
    assert xs == sorted(xs)
    heights = [h for _, _, h in found]
    assert heights[1] == pytest.approx(2 * heights[0]) == pytest.approx(4 * heights[2])
    assert heights[1] == pytest.approx(HEIGHT - TOP - BOTTOM)  # the top tick is 4
    for _, y, h in found:
        assert y + h == pytest.approx(HEIGHT - BOTTOM)  # standing on the axis
    assert "<title>C: 4</title>" in chart.svg
    assert chart.rows == [("A", "2"), ("B", "0"), ("C", "4"), ("D", "1")]
    assert chart.description == "From A to D. Highest: 4 (C). Latest: 1 (D)."


def test_a_line_breaks_where_a_value_is_missing_and_dots_every_value():
    chart = line_chart(
        key="rate",
        title="Rate",
        labels=list("abcdef"),
        names=list("ABCDEF"),
        values=[0.5, 1.0, None, 0.25, None, 0.75],
        shown=["50%", "100%", "—", "25%", "—", "75%"],
        tick_format=fmt,
        high=1,
    )
    svg = str(chart.svg)
    lines = re.findall(r'<polyline class="chart__line" points="([^"]+)"', svg)
    assert len(lines) == 1 and len(lines[0].split()) == 2  # only A-B join up
    dots = re.findall(r'<circle class="chart__dot" cx="[\d.]+" cy="([\d.]+)"', svg)
    assert len(dots) == 4
    cy = [float(y) for y in dots]
    assert cy[1] == pytest.approx(TOP)  # 100% at the top
    assert cy[0] > cy[1] and cy[2] > cy[0]
    assert chart.description == "From A to F. Highest: 100% (B). Latest: 75% (F)."


def test_text_is_escaped_and_the_chart_has_an_accessible_name():
    chart = bar_chart(
        key="x",
        title="<script>alert(1)</script>",
        labels=["<b>"],
        names=["<i>"],
        values=[1],
        shown=["1"],
        tick_format=fmt,
        lead="Sessions & more.",
    )
    svg = str(chart.svg)
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;" in svg and "Sessions &amp; more." in svg
    assert 'role="img" aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert f'viewBox="0 0 {charts.WIDTH} {charts.HEIGHT}" width="100%"' in svg


def test_an_empty_series_says_so():
    chart = bar_chart(
        key="e",
        title="E",
        labels=["a", "b"],
        names=["A", "B"],
        values=[0, 0],
        shown=["0", "0"],
        tick_format=fmt,
    )
    assert chart.description == "From A to B. Nothing to show yet."
    assert "chart__bar" not in str(chart.svg)


def test_steps_of_a_grain_are_whole_numbers_of_it():
    # Counted things step by whole numbers; money by whole major units (100 cents here).
    assert axis_ticks([10], grain=1) == [0, 5, 10]
    assert axis_ticks([150], grain=100) == [0, 100, 200]
    assert axis_ticks([1000], grain=100) == [0, 500, 1000]
    # 2.5 × a power of ten is whole only from ten grains up.
    assert axis_ticks([10000], grain=100) == [0, 2500, 5000, 7500, 10000]


def _line(values, shown):
    return line_chart(
        key="r",
        title="R",
        labels=list("abc"),
        names=list("ABC"),
        values=values,
        shown=shown,
        tick_format=fmt,
        high=1,
    )


def test_a_rate_of_zero_is_a_figure_not_nothing():
    chart = _line([0.0, None, 0.0], ["0%", "—", "0%"])
    assert chart.description == "From A to C. Highest: 0% (A). Latest: 0% (C)."
    assert _line([None, None, None], ["—"] * 3).description == "From A to C. Nothing to show yet."


def test_x_labels_are_thinned_out_but_the_latest_keeps_its_label():
    labels = [f"w{index}" for index in range(26)]
    chart = bar_chart(
        key="w",
        title="W",
        labels=labels,
        names=labels,
        values=[1] * 26,
        shown=["1"] * 26,
        tick_format=fmt,
    )
    shown = re.findall(r'text-anchor="middle">(w\d+)</text>', str(chart.svg))
    assert len(shown) <= charts.MAX_X_LABELS
    assert shown[-1] == "w25"
