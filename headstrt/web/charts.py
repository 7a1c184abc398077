"""Charts drawn on the server as SVG: bar and line charts with axes, ticks and labels, a
title and description for screen readers and the figures as a table, sized by their viewBox
and coloured by the app's stylesheet (charts.css), so they need no script."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil, floor, log10

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The drawing's own units; the SVG scales to the width of its container. The right margin
# leaves room for the latest period's label when it names a year ("6 Jan 2031").
WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 46, 32, 12, 30
MAX_X_LABELS = 6
EMPTY = "—"


@dataclass(frozen=True)
class Chart:
    """A drawn chart and what it shows: ``names`` are the periods in words and ``shown``
    their figures as people read them, for the table under the chart."""

    key: str
    kind: str
    title: str
    description: str
    names: list[str]
    shown: list[str]
    svg: SafeString

    @property
    def rows(self) -> list[tuple[str, str]]:
        return list(zip(self.names, self.shown, strict=True))


def nice_step(span: float, *, steps: int = 4, grain: float | None = None) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) dividing ``span`` into at most
    ``steps`` parts; with a ``grain`` (a power of ten), a whole number of grains, at least
    one."""
    raw = span / steps if span > 0 else 1.0
    if grain:
        raw = max(raw, grain)
    magnitude = 10 ** floor(log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        # 2.5 × the grain would label half grains: 2.5 sessions, or €2.50 shown as €3.
        if step >= raw and not (grain and step % grain):
            return step
    return 10 * magnitude  # not reached: 10 × magnitude is always >= raw and whole


def axis_ticks(
    values: Sequence[float | None],
    *,
    low: float = 0,
    high: float | None = None,
    grain: float | None = None,
) -> list[float]:
    """The values of the y axis ticks, from ``low`` to ``high`` (or a round number at or
    above the largest value); ``grain`` is the smallest step, every step a whole number of
    it: 1 for things counted, one major unit for money in minor units."""
    if high is None:
        top = max([value for value in values if value is not None] + [low])
        step = nice_step(top - low, grain=grain)
        high = low + step * max(1, ceil((top - low) / step - 1e-9))
    else:
        step = nice_step(high - low, grain=grain)
    count = round((high - low) / step)
    return [low + step * index for index in range(count + 1)]


def describe(
    *,
    names: Sequence[str],
    values: Sequence[float | None],
    shown: Sequence[str],
    zero_is_nothing: bool = False,
) -> str:
    """One or two sentences saying what a chart shows: its span, its highest and latest
    figures. Nothing shows where no period has a value, or, with ``zero_is_nothing`` (bars
    of counts and amounts), where every value is zero; a rate of 0% is a figure."""
    if not names:
        return "No periods."
    span = f"From {names[0]} to {names[-1]}."
    known = [index for index, value in enumerate(values) if value is not None]
    if not known or (zero_is_nothing and all(values[index] == 0 for index in known)):
        return f"{span} Nothing to show yet."
    top = max(known, key=lambda index: values[index])
    return (
        f"{span} Highest: {shown[top]} ({names[top]}). "
        f"Latest: {shown[known[-1]]} ({names[known[-1]]})."
    )


def labelled(count: int) -> list[int]:
    """The indexes of the periods named on the x axis, out of ``count``: every k-th, counted
    back from the latest so the current one has its label."""
    every = max(1, ceil(count / MAX_X_LABELS))
    return [index for index in range(count) if (count - 1 - index) % every == 0]


def _frame(
    *,
    key: str,
    kind: str,
    title: str,
    description: str,
    labels: Sequence[str],
    ticks: Sequence[float],
    tick_format: Callable[[float], str],
    y: Callable[[float], float],
    data: SafeString,
) -> SafeString:
    count = len(labels)
    band = (WIDTH - LEFT - RIGHT) / count
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart__tick" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">'
        "{}</text>",
        (
            (
                LEFT,
                WIDTH - RIGHT,
                _n(y(tick)),
                _n(y(tick)),
                LEFT - 6,
                _n(y(tick)),
                tick_format(tick),
            )
            for tick in ticks
        ),
    )
    x_labels = format_html_join(
        "",
        '<text class="chart__tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (_n(LEFT + band * (index + 0.5)), HEIGHT - BOTTOM + 16, labels[index])
            for index in labelled(count)
        ),
    )
    return format_html(
        '<svg class="chart chart--{kind}" viewBox="0 0 {width} {height}" width="100%" '
        'role="img" aria-labelledby="chart-{key}-title chart-{key}-desc" focusable="false">'
        '<title id="chart-{key}-title">{title}</title>'
        '<desc id="chart-{key}-desc">{description}</desc>'
        '<g class="chart__grid">{grid}</g>'
        '<line class="chart__axis" x1="{left}" x2="{right}" y1="{base}" y2="{base}"/>'
        "<g>{x_labels}</g>"
        '<g class="chart__data">{data}</g>'
        "</svg>",
        kind=kind,
        width=WIDTH,
        height=HEIGHT,
        key=key,
        title=title,
        description=description,
        grid=grid,
        left=LEFT,
        right=WIDTH - RIGHT,
        base=HEIGHT - BOTTOM,
        x_labels=x_labels,
        data=data,
    )


def _n(number: float) -> str:
    """A coordinate with at most two decimals, so the markup stays small and stable."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _scale(ticks: Sequence[float]) -> Callable[[float], float]:
    low, high = ticks[0], ticks[-1]
    plot = HEIGHT - TOP - BOTTOM
    return lambda value: HEIGHT - BOTTOM - plot * (value - low) / (high - low)


def bar_chart(
    *,
    key: str,
    title: str,
    labels: Sequence[str],
    names: Sequence[str],
    values: Sequence[float],
    shown: Sequence[str],
    tick_format: Callable[[float], str],
    lead: str = "",
    grain: float = 1,
) -> Chart:
    """A bar per period; ``labels`` name the periods on the axis, ``names`` in words,
    ``shown`` gives each figure as people read it, ``lead`` opens the description; the y
    axis steps by whole ``grain``s (1 for counts, one major unit for minor units)."""
    ticks = axis_ticks(values, grain=grain)
    y = _scale(ticks)
    band = (WIDTH - LEFT - RIGHT) / len(values)
    bars = format_html_join(
        "",
        '<rect class="chart__bar" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}: {}</title></rect>",
        (
            (
                _n(LEFT + band * (index + 0.15)),
                _n(y(value)),
                _n(band * 0.7),
                _n(y(ticks[0]) - y(value)),
                names[index],
                shown[index],
            )
            for index, value in enumerate(values)
            if value
        ),
    )
    told = describe(names=names, values=values, shown=shown, zero_is_nothing=True)
    description = f"{lead} {told}".strip()
    svg = _frame(
        key=key,
        kind="bar",
        title=title,
        description=description,
        labels=labels,
        ticks=ticks,
        tick_format=tick_format,
        y=y,
        data=bars,
    )
    return Chart(key, "bar", title, description, list(names), list(shown), svg)


def line_chart(
    *,
    key: str,
    title: str,
    labels: Sequence[str],
    names: Sequence[str],
    values: Sequence[float | None],
    shown: Sequence[str],
    tick_format: Callable[[float], str],
    low: float = 0,
    high: float | None = None,
    lead: str = "",
) -> Chart:
    """A line through the periods' values between ``low`` and ``high`` (a round number
    above the largest value when not given); a period without a value (``None``) breaks the
    line, and every value has a dot, so a lone one shows too."""
    ticks = axis_ticks(values, low=low, high=high)
    y = _scale(ticks)
    band = (WIDTH - LEFT - RIGHT) / len(values)
    runs: list[list[str]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{_n(LEFT + band * (index + 0.5))},{_n(y(value))}")
    lines = format_html_join(
        "",
        '<polyline class="chart__line" points="{}"/>',
        ((" ".join(run),) for run in runs if len(run) > 1),
    )
    dots = format_html_join(
        "",
        '<circle class="chart__dot" cx="{}" cy="{}" r="3.5"><title>{}: {}</title></circle>',
        (
            (_n(LEFT + band * (index + 0.5)), _n(y(value)), names[index], shown[index])
            for index, value in enumerate(values)
            if value is not None
        ),
    )
    description = f"{lead} {describe(names=names, values=values, shown=shown)}".strip()
    svg = _frame(
        key=key,
        kind="line",
        title=title,
        description=description,
        labels=labels,
        ticks=ticks,
        tick_format=tick_format,
        y=y,
        data=mark_safe(lines + dots),  # both built by format_html_join, escaped
    )
    return Chart(key, "line", title, description, list(names), list(shown), svg)
