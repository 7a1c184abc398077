"""In a real browser: the mentor's dashboard draws its charts where the figures say, at
desktop and phone widths, checked on screenshots of the charts themselves."""

import io

import pytest
from PIL import Image

from headstrt.reviews.models import OutcomeResult
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import log_in
from tests.clock import frozen_at
from tests.dashboards.seed import NOW, earning, outcome, review, session, weeks_ago
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

frozen = frozen_at(NOW)
BRAND = (0x0F, 0x76, 0x6E)  # --brand in app.css, the colour of bars and lines
SESSIONS = {3: 2, 1: 4, 0: 1}  # weeks ago → sessions held


def seeded_mentor():
    mentor = MentorProfileFactory(
        currency="EUR", user__email="nia@example.org", user__display_name="Nia Negotiator"
    )
    mentee = UserFactory()
    for week, count in SESSIONS.items():
        for index in range(count):
            booking = session(mentor, mentee, weeks_ago(week, hours=8 + 2 * index))
            outcome(booking, OutcomeResult.REACHED if index % 2 else OutcomeResult.NOT_REACHED)
            review(booking, stars=3 + index % 3, revealed=weeks_ago(week, hours=9 + 2 * index))
    earning(mentor.user, 7200, weeks_ago(1))
    return mentor


def brand_columns(image: Image.Image) -> dict[int, tuple[int, int]]:
    """For each x holding the brand colour, the topmost and lowest y that have it."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    pixels = rgb.load()
    found: dict[int, tuple[int, int]] = {}
    for x in range(width):
        ys = [
            y
            for y in range(height)
            if sum(abs(c - b) for c, b in zip(pixels[x, y], BRAND, strict=True)) < 40
        ]
        if ys:
            found[x] = (ys[0], ys[-1])
    return found


def bars_of(columns: dict[int, tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of adjacent brand columns as (top y, height), left to right."""
    runs: list[list[int]] = []
    for x in sorted(columns):
        if runs and x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    bars = []
    for run in runs:
        if len(run) >= 3:
            top = min(columns[x][0] for x in run)
            bars.append((top, max(columns[x][1] for x in run) - top + 1))
    return bars


def screenshot(page, key: str) -> Image.Image:
    chart = page.locator(f"#chart-{key} svg")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 40, box
    return Image.open(io.BytesIO(chart.screenshot()))


def check_sessions_chart(page) -> None:
    image = screenshot(page, "sessions")
    bars = bars_of(brand_columns(image))
    assert len(bars) == 3, bars
    # Left to right: 2, 4 and 1 sessions; the tallest bar is the week with most sessions.
    (top_two, two), (top_four, four), (top_one, one) = bars
    assert top_four < top_two < top_one
    # Heights in proportion, standing on the same axis line.
    assert four == pytest.approx(2 * two, rel=0.1) and two == pytest.approx(2 * one, rel=0.15)
    assert top_two + two == top_four + four == top_one + one


def check_line_chart(page, key: str) -> None:
    columns = brand_columns(screenshot(page, key))
    # A line across several months, not a blank box.
    assert len(columns) > 40 and max(columns) - min(columns) > 40


def test_the_mentor_dashboard_draws_its_charts_on_desktop_and_phone(new_page):
    seeded_mentor()
    page = new_page(1280, 900)
    log_in(page, "nia@example.org")
    page.goto("/me/dashboard/?weeks=13")
    page.get_by_role("heading", name="Your dashboard").wait_for()
    assert page.get_by_role("img", name="Sessions held").is_visible()
    check_sessions_chart(page)
    check_line_chart(page, "rating")
    check_line_chart(page, "outcomes")
    assert len(bars_of(brand_columns(screenshot(page, "earnings")))) == 1
    page.get_by_text("The figures as a table").first.click()
    assert page.get_by_role("rowheader", name="Week of 25 Feb 2030").first.is_visible()
    assert_accessible(page)
    assert not page.console_errors

    # A year of weeks crosses a year: the labels that name it still fit in the drawing.
    page.goto("/me/dashboard/?weeks=52")
    labels = page.locator("#chart-sessions svg text[text-anchor=middle]")
    assert labels.first.text_content() == "23 Apr 2029" and labels.count() <= 6
    for box in labels.evaluate_all(
        "texts => texts.map(t => { const b = t.getBBox(); return [b.x, b.x + b.width]; })"
    ):
        assert box[0] >= 0 and box[1] <= 480, box

    phone = new_page(375, 740)
    log_in(phone, "nia@example.org")
    phone.goto("/me/dashboard/?weeks=13")
    phone.get_by_role("heading", name="Your dashboard").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator("#chart-sessions svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    check_sessions_chart(phone)
    check_line_chart(phone, "rating")
    assert_accessible(phone)
