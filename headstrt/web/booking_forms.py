"""Forms of the availability editor and of booking; they read the input's shape and leave the
rules to the scheduling services."""

from collections.abc import Iterable
from datetime import time
from itertools import zip_longest

from django import forms

from headstrt.core.errors import DomainError
from headstrt.scheduling.models import Confirmation, SchedulingPolicy, Weekday
from headstrt.scheduling.services.bookings import MAX_AGENDA, MAX_OBJECTIVE, MAX_REASON
from headstrt.web.forms import DomainForm

TIME_FORMAT = "%H:%M"


def _time_text(value: time | str | None) -> str:
    if isinstance(value, time):
        return value.strftime(TIME_FORMAT)
    return (value or "").strip()


class TimeRangesInput(forms.Widget):
    """Rows of start and end times, posted as two parallel lists ``<name>_start`` and
    ``<name>_end``; the page template draws the rows (and app.js adds and removes them)."""

    def value_from_datadict(self, data, files, name) -> list[tuple[str, str]]:
        starts = data.getlist(f"{name}_start") if hasattr(data, "getlist") else []
        ends = data.getlist(f"{name}_end") if hasattr(data, "getlist") else []
        return list(zip_longest(starts, ends, fillvalue=""))

    def value_omitted_from_data(self, data, files, name) -> bool:
        return f"{name}_start" not in data and f"{name}_end" not in data


class TimeRangesField(forms.Field):
    """Wall-clock ranges such as 09:00–12:00; rows left blank are ignored."""

    widget = TimeRangesInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[tuple[time, time]]:
        ranges = []
        for raw_start, raw_end in value or []:
            start, end = _time_text(raw_start), _time_text(raw_end)
            if not start and not end:
                continue
            if not start or not end:
                raise forms.ValidationError("Give each range a start and an end.", code="half")
            try:
                ranges.append((time.fromisoformat(start), time.fromisoformat(end)))
            except ValueError:
                raise forms.ValidationError(
                    "Enter times such as 09:00 or 17:30.", code="invalid"
                ) from None
        return ranges


def range_rows(bound_field) -> list[tuple[str, str]]:
    """The rows to draw for a ranges field: what was typed (or saved), then one blank row
    to add a range without the script."""
    value = bound_field.value() or []
    rows = [(_time_text(start), _time_text(end)) for start, end in value]
    return [row for row in rows if any(row)] + [("", "")]


class WeeklyAvailabilityForm(DomainForm):
    """The whole week's ranges, one field per weekday (``day_0`` is Monday)."""

    optional_marks = False

    def __init__(self, *args, rules: Iterable = (), **kwargs):
        initial: dict[str, list] = {f"day_{day}": [] for day in Weekday.values}
        for rule in rules:
            initial[f"day_{rule.weekday}"].append((rule.start, rule.end))
        super().__init__(*args, initial=initial, **kwargs)
        for day, name in Weekday.choices:
            self.fields[f"day_{day}"] = TimeRangesField(label=name)

    def days(self) -> list[dict]:
        """Each weekday's bound field with the rows to draw, Monday first."""
        return [
            {"weekday": day, "field": self[f"day_{day}"], "rows": range_rows(self[f"day_{day}"])}
            for day in Weekday.values
        ]

    def rules(self) -> list[tuple[int, time, time]]:
        """The ``(weekday, start, end)`` rules for ``availability_set``."""
        return [
            (day, start, end)
            for day in Weekday.values
            for start, end in self.cleaned_data[f"day_{day}"]
        ]

    def add_domain_error(self, error: DomainError) -> None:
        # The service names the weekday at the start of its message ("Monday: ..."), which
        # is how the error finds its way next to that day's ranges.
        if error.field == "rules":
            for day, name in Weekday.choices:
                if error.message.startswith(f"{name}:"):
                    self.add_error(f"day_{day}", error.message)
                    return
        super().add_domain_error(error)


EXCEPTION_KINDS = [("off", "The whole day off"), ("hours", "Different hours")]


class AvailabilityExceptionForm(DomainForm):
    """One date that differs from the weekly rules: a day off or its own hours."""

    optional_marks = False

    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label="On that date",
        choices=EXCEPTION_KINDS,
        initial="off",
        widget=forms.RadioSelect,
    )
    ranges = TimeRangesField(label="Hours on that date")

    def clean(self):
        data = super().clean()
        if data.get("kind") == "off":
            data["ranges"] = []
        elif data.get("kind") == "hours" and "ranges" in data and not data["ranges"]:
            self.add_error("ranges", "Add at least one range, or choose “The whole day off”.")
        return data

    def rows(self) -> list[tuple[str, str]]:
        return range_rows(self["ranges"])


def _short_number(label: str, *, low: int, high: int, **options) -> forms.IntegerField:
    """A whole number in a short box that the browser keeps between ``low`` and ``high``;
    the scheduling service checks the limits itself."""
    return forms.IntegerField(
        label=label,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "class": "input--short"}),
        **options,
    )


class SchedulingPolicyForm(DomainForm):
    """How the mentor wants to be booked; the service checks the limits."""

    optional_marks = False

    buffer_minutes = _short_number(
        "Buffer between sessions (minutes)",
        low=0,
        high=120,
        help_text="Kept free before and after every session, 0 to 120.",
    )
    minimum_notice_minutes = _short_number(
        "Minimum notice (minutes)",
        low=0,
        high=20160,
        help_text="How long before a session it can still be booked; 120 is two hours, 1440 a day.",
    )
    horizon_days = _short_number(
        "Booking horizon (days)",
        low=1,
        high=365,
        help_text="How far ahead people can book you, 1 to 365 days.",
    )
    max_sessions_per_day = _short_number(
        "Sessions per day",
        low=1,
        high=24,
        help_text="At most this many sessions on one day, 1 to 24.",
    )
    max_sessions_per_week = _short_number("Sessions per week", low=1, high=100, required=False)
    confirmation = forms.ChoiceField(
        label="Confirmation",
        choices=[
            (Confirmation.INSTANT, "Instant: a booking is confirmed as soon as it is made"),
            (Confirmation.REQUEST, "On request: I accept or decline each booking"),
        ],
        widget=forms.RadioSelect,
    )
    response_window_hours = _short_number(
        "Response window (hours)",
        low=1,
        high=168,
        help_text="For requests: how long you have to answer before a request expires, "
        "1 to 168 hours (never past the session's start).",
    )

    def __init__(self, *args, weekly_capacity: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "max_sessions_per_week"
        ].help_text = f"Leave it blank to use your profile’s weekly capacity ({weekly_capacity})."

    @classmethod
    def initial_for(cls, policy: SchedulingPolicy) -> dict:
        """The form's starting values for a saved (or default) policy."""
        return {name: getattr(policy, name) for name in SchedulingPolicy.DEFAULTS}


class CheckoutForm(DomainForm):
    """What the mentee wants from the session."""

    objective = forms.CharField(
        label="Objective",
        help_text="What you want to have by the end of the session, in a sentence or two.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_OBJECTIVE}),
    )
    agenda = forms.CharField(
        label="Agenda",
        required=False,
        help_text="Questions or points to cover, so your mentor can prepare.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_AGENDA}),
    )


class ReasonForm(DomainForm):
    """An optional reason given when cancelling or declining."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        help_text="The other person sees it.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON}),
    )
