"""Forms of the web app; they validate shape and hand the rest to services."""

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache, lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from headstrt.accounts import services, validation
from headstrt.accounts.models import (
    Area,
    Communication,
    Language,
    MentorProfile,
    SessionLength,
    Topic,
    User,
    Value,
)
from headstrt.core.errors import DomainError
from headstrt.core.money import (
    Money,
    currencies,
    validate_currency,
    validate_session_price,
)
from headstrt.matching.services import DESCRIBE_IT


@cache
def time_zone_names() -> list[str]:
    """Every IANA time zone name, sorted, for the time-zone suggestions."""
    return sorted(zoneinfo.available_timezones())


def currency_codes() -> list[str]:
    """Every currency code a price may use, sorted, for the currency suggestions."""
    return sorted(currencies())


def topic_choices(topics: Iterable[Topic], *, whole_categories: bool) -> list:
    """Topics (or rows with their ``id``, ``slug``, ``name`` and ``parent_id``) grouped by
    their category, for a ``<select>`` with ``<optgroup>``s.

    With ``whole_categories`` a category is also offered as a choice ("All of Career").
    """
    topics = list(topics)
    children: dict[int, list[Topic]] = {}
    for topic in topics:
        if topic.parent_id:
            children.setdefault(topic.parent_id, []).append(topic)
    choices: list = []
    for root in (topic for topic in topics if not topic.parent_id):
        group = children.get(root.id, [])
        if not group:
            choices.append((root.slug, root.name))
            continue
        options = [(root.slug, f"All of {root.name}")] if whole_categories else []
        options += [(topic.slug, topic.name) for topic in group]
        choices.append((root.name, options))
    return choices


def many_choices(*, size: int, noun: str) -> forms.SelectMultiple:
    """A ``<select multiple>`` among many options, which the page's script turns into the
    chosen ``noun``s and a field suggesting the others by name (``pickManyLists``)."""
    return forms.SelectMultiple(attrs={"size": size, "data-pick-many": noun})


def many_choices_help(text: str = "") -> str:
    """``text``, then how to choose several in the plain list: a sentence the page's script
    removes along with the list."""
    hint = "<span data-pick-many-hint>Hold Ctrl (or Cmd on a Mac) to choose several.</span>"
    return mark_safe(f"{escape(text)} {hint}" if text else hint)


def language_choices(languages: Iterable[Language]) -> list[tuple[str, str]]:
    """Languages as ``(code, name)`` choices."""
    return [(language.code, language.name) for language in languages]


class OptionList(BaseChoiceIterator):
    """Choices normalised once and written once as ``<option>``s, so that a long list kept
    for reuse is neither normalised again when set on a field nor written again by each
    ``LongSelect`` that shows it."""

    def __init__(self, choices):
        self.choices = normalize_choices(choices)
        self.options = "".join(self._written())

    def __iter__(self):
        return iter(self.choices)

    def selecting(self, values: list[str]) -> str:
        """The options with the first one whose value is among ``values`` selected (one at
        most, as Django's Select does)."""
        tags = (f'<option value="{escape(value)}">' for value in values)
        # Values and texts are escaped, so a tag is found only where its option starts.
        found = [(at, tag) for tag in tags if (at := self.options.find(tag)) >= 0]
        if not found:
            return self.options
        at, tag = min(found)
        end = at + len(tag) - 1
        return f"{self.options[:end]} selected{self.options[end:]}"

    def _written(self):
        for group, label in self.choices:
            if isinstance(label, (list, tuple)):
                options = "".join(self._option(value, text) for value, text in label)
                yield f'<optgroup label="{escape(group)}">{options}</optgroup>'
            else:
                yield self._option(group, label)

    @staticmethod
    def _option(value, text) -> str:
        value = "" if value is None else str(value)
        return f'<option value="{escape(value)}">{conditional_escape(text)}</option>'


class LongSelect(forms.Select):
    """A ``<select>`` of hundreds of options (topics, languages, currencies) written in one
    pass over its choices, or taken as written from an ``OptionList``: Django builds a
    dictionary per option and renders each through a template of its own, which costs a
    page tens of milliseconds. Options carry no attributes of their own; the first option
    whose value matches is selected."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices if isinstance(self.choices, OptionList) else OptionList(self.choices)
        attributes = flatatt({**self.build_attrs(self.attrs, attrs), "name": name})
        options = choices.selecting(self.format_value(value))
        return mark_safe(f"<select{attributes}>{options}</select>")


class DomainForm(forms.Form):
    """A form that shows a service's ``DomainError`` next to the field it names."""

    field_aliases: dict[str, str] = {}
    # Label optional fields "(optional)"; off where every field is optional by nature.
    optional_marks = True

    def add_domain_error(self, error: DomainError) -> None:
        """Attach ``error`` to its field when the form has it, else to the whole form."""
        field = self.field_aliases.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)


class DatalistInput(forms.TextInput):
    """A text input with suggestions from a ``<datalist>``; any text may still be typed."""

    template_name = "web/widgets/datalist.html"

    def __init__(self, options: Callable[[], list[str]], attrs: dict | None = None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.options = options

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["datalist_id"] = f"{widget['attrs'].get('id', name)}_options"
        widget["attrs"]["list"] = widget["datalist_id"]
        widget["options"] = self.options()
        return context


class SignupDetailsForm(forms.Form):
    """Extra sign-up fields: the name others see and the person's time zone."""

    field_order = ["display_name", "email", "password1", "time_zone"]

    display_name = forms.CharField(
        max_length=80,
        label="Display name",
        help_text="The name mentors and mentees see.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = forms.CharField(
        max_length=64,
        label="Time zone",
        initial="UTC",
        help_text="An IANA name such as Europe/Paris or America/New_York.",
        widget=DatalistInput(time_zone_names, attrs={"data-detect-time-zone": ""}),
    )

    def clean_time_zone(self) -> str:
        try:
            return validation.clean_time_zone(self.cleaned_data["time_zone"])
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def signup(self, request, user) -> None:
        """Called by allauth once the account exists: record the extra details."""
        services.user_update(
            user=user,
            display_name=self.cleaned_data["display_name"],
            time_zone=self.cleaned_data["time_zone"],
        )


class AccountForm(DomainForm):
    """Display name, time zone and spoken languages."""

    display_name = forms.CharField(
        label="Display name", widget=forms.TextInput(attrs={"maxlength": 80})
    )
    time_zone = forms.CharField(
        label="Time zone",
        help_text="An IANA name such as Europe/Paris or America/New_York.",
        widget=DatalistInput(time_zone_names),
    )
    languages = forms.MultipleChoiceField(
        label="Languages you speak",
        required=False,
        help_text=many_choices_help("The languages you can hold a session in."),
        widget=many_choices(size=8, noun="language"),
    )

    def __init__(self, *args, languages: Iterable[Language], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = language_choices(languages)

    @classmethod
    def initial_for(cls, user: User) -> dict:
        """The form's starting values for ``user``."""
        return {
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "languages": [language.code for language in user.languages.all()],
        }


class PhotoForm(DomainForm):
    """A new profile photo; the service checks that it really is an image."""

    photo = forms.FileField(
        label="New photo",
        help_text="JPEG, PNG, WebP or GIF, up to 5 MB. It is cropped to a square.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )


class MentorProfileForm(DomainForm):
    """The mentor profile: who you are, what you offer and at what price."""

    field_aliases = {"offers": "price_15", "price": "price_15"}
    optional_marks = False

    headline = forms.CharField(
        label="Headline",
        help_text="One line about what you help with, up to 120 characters.",
        widget=forms.TextInput(attrs={"maxlength": 120}),
    )
    bio = forms.CharField(
        label="Bio",
        help_text="Your experience and how you like to help, up to 4,000 characters.",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 4000}),
    )
    currency = forms.CharField(
        label="Currency",
        initial="EUR",
        help_text="An ISO 4217 code such as EUR, USD or INR.",
        widget=DatalistInput(currency_codes, attrs={"class": "input--short"}),
    )
    price_15 = forms.CharField(label="15 minutes", required=False)
    price_30 = forms.CharField(label="30 minutes", required=False)
    price_45 = forms.CharField(label="45 minutes", required=False)
    price_60 = forms.CharField(label="60 minutes", required=False)
    weekly_capacity = forms.IntegerField(
        label="Sessions a week",
        initial=5,
        help_text="At most how many sessions you take in a week (1 to 40).",
        widget=forms.NumberInput(attrs={"min": 1, "max": 40, "class": "input--short"}),
    )
    answer_price = forms.CharField(
        label="Price of a written answer",
        required=False,
        help_text="Mentees can ask several mentors at once for a written perspective on their "
        "situation. In the currency above, such as 15 or 12.50; 0 means free. Leave it blank "
        "if you do not answer in writing.",
    )

    price_fields = [f"price_{minutes}" for minutes in SessionLength.values] + ["answer_price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.price_fields:
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "class": "input--short"})

    def clean(self):
        data = super().clean()
        if "currency" not in data:
            return data
        try:
            currency = validate_currency(data["currency"])
        except DomainError as error:
            self.add_error("currency", error.message)
            return data
        offers = {}
        for minutes in SessionLength.values:
            raw = (data.get(f"price_{minutes}") or "").strip()
            if not raw:
                continue
            try:
                offers[minutes] = validate_session_price(Money.from_major(raw, currency)).minor
            except DomainError as error:
                self.add_error(f"price_{minutes}", error.message)
        raw = (data.get("answer_price") or "").strip()
        data["answer_price_minor"] = None
        if raw:
            try:
                data["answer_price_minor"] = Money.from_major(raw, currency).minor
            except DomainError as error:
                self.add_error("answer_price", error.message)
        data["currency"] = currency
        data["offers"] = offers
        return data

    def service_arguments(self) -> dict:
        """Keyword arguments for ``services.mentor_profile_save``."""
        data = self.cleaned_data
        return {
            "headline": data["headline"],
            "bio": data["bio"],
            "currency": data["currency"],
            "offers": data["offers"],
            "weekly_capacity": data["weekly_capacity"],
            "answer_price_minor": data["answer_price_minor"],
        }

    @classmethod
    def initial_for(cls, profile: MentorProfile) -> dict:
        """The form's starting values for an existing profile."""
        initial = {
            "headline": profile.headline,
            "bio": profile.bio,
            "currency": profile.currency,
            "weekly_capacity": profile.weekly_capacity,
        }
        if profile.answer_price_minor is not None:
            answer = Money(profile.answer_price_minor, profile.currency)
            initial["answer_price"] = answer.major if answer.minor else 0
        for offer in profile.offers.all():
            price = Money(offer.price_minor, profile.currency)
            initial[f"price_{offer.minutes}"] = price.major if price.minor else 0
        return initial


class ExpertiseForm(DomainForm):
    """One expertise entry to add to the mentor profile."""

    topic = forms.ChoiceField(label="Topic")
    area = forms.ChoiceField(
        label="Area of life",
        required=False,
        choices=[("", "Same as the topic")] + list(Area.choices),
    )
    years = forms.IntegerField(
        label="Years of experience",
        widget=forms.NumberInput(attrs={"min": 0, "max": 70, "class": "input--short"}),
    )
    description = forms.CharField(
        label="What you can help with",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        help_text="For example: “Negotiated 40+ offers as a recruiter”.",
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )

    def __init__(self, *args, topics: Iterable[Topic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Choose a topic")] + topic_choices(
            topics, whole_categories=False
        )


class MenteeProfileForm(DomainForm):
    """What a person wants to grow in."""

    interests = forms.MultipleChoiceField(
        label="Interests",
        required=False,
        help_text=many_choices_help("Up to 20."),
        widget=many_choices(size=10, noun="topic"),
    )
    goals = forms.CharField(
        label="Goals",
        required=False,
        help_text="What you are working towards right now, up to 2,000 characters.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
    )

    def __init__(self, *args, topics: Iterable[Topic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = topic_choices(topics, whole_categories=False)


def _scale(low: str, high: str) -> list[tuple[int, str]]:
    return [(1, f"1 — {low}"), (2, "2"), (3, "3"), (4, "4"), (5, f"5 — {high}")]


class WorkingStyleForm(DomainForm):
    """The short working-style questionnaire."""

    communication = forms.ChoiceField(
        label="How do you prefer to talk things through?",
        choices=Communication.choices,
        widget=forms.RadioSelect,
    )
    directness = forms.TypedChoiceField(
        label="How direct do you like feedback to be?",
        choices=_scale("gentle and indirect", "blunt and direct"),
        coerce=int,
        widget=forms.RadioSelect,
    )
    pace = forms.TypedChoiceField(
        label="What pace suits you?",
        choices=_scale("reflective and slow", "fast and action-oriented"),
        coerce=int,
        widget=forms.RadioSelect,
    )
    values = forms.MultipleChoiceField(
        label="Which values matter most to you?",
        required=False,
        help_text="Pick up to three.",
        choices=Value.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class ApiTokenForm(DomainForm):
    """A name for a new API token."""

    name = forms.CharField(
        label="Token name",
        help_text="Something to recognise it by, such as “Phone”.",
        widget=forms.TextInput(attrs={"maxlength": 80}),
    )


class AccountDeleteForm(forms.Form):
    """Deleting an account needs the current password."""

    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.", code="incorrect")
        return password


class DirectoryFilterForm(DomainForm):
    """The mentor directory's filters, read from the query string."""

    field_aliases = {"price": "max_price"}
    optional_marks = False

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": 200}),
    )
    area = forms.ChoiceField(
        label="Area of life", required=False, choices=[("", "Any area")] + list(Area.choices)
    )
    topic = forms.ChoiceField(label="Topic", required=False, widget=LongSelect)
    language = forms.ChoiceField(label="Language", required=False, widget=LongSelect)
    max_price = forms.CharField(
        label="Max price",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label="Currency", required=False, widget=LongSelect)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, topics: Iterable[tuple], languages: Iterable[tuple]):
        """``topics`` and ``languages`` are rows (``topic_rows``, ``language_rows``), compared
        by value: not models, which compare by primary key only, so a renamed topic would
        keep its old name."""
        if not data.get("currency"):
            data = data.copy()
            data["currency"] = "EUR"
        super().__init__(data)
        self.fields["topic"].choices = _directory_topic_options(tuple(topics))
        self.fields["language"].choices = _directory_language_options(tuple(languages))
        self.fields["currency"].choices = _currency_options()


# The directory's long lists, kept per process and keyed by the rows they are made from:
# a change of the taxonomy or of the languages makes new rows, so it shows at once.
@lru_cache(maxsize=4)
def _directory_topic_options(topics: tuple) -> OptionList:
    return OptionList([("", "Any topic")] + topic_choices(topics, whole_categories=True))


@lru_cache(maxsize=4)
def _directory_language_options(languages: tuple) -> OptionList:
    return OptionList([("", "Any language")] + language_choices(languages))


@cache
def _currency_options() -> OptionList:
    # as lasting as the currencies themselves (``currencies`` is read once per process)
    return OptionList([(code, code) for code in currency_codes()])


class LocalDateTimeInput(forms.DateTimeInput):
    """A ``datetime-local`` input: a date and time as the person's own clock shows it."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time without a zone; the service reads it in the person's time zone."""

    widget = LocalDateTimeInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            moment = parse_datetime(str(value).strip())
        except ValueError:
            moment = None
        if moment is None:
            raise forms.ValidationError("Enter a date and a time.", code="invalid")
        return moment

    def prepare_value(self, value):
        return value  # initial values are already on the person's clock


TIMING_CHOICES = [
    ("any", "Any time"),
    ("asap", "As soon as possible"),
    ("window", "Between two dates"),
]
SITUATION_PLACEHOLDER = (
    "What is happening, and what would a good outcome be? For example: “I have a salary "
    "negotiation on Friday for a senior role. I want to know what to ask for and how to "
    "answer if they say the budget is fixed.”"
)


class SituationForm(DomainForm):
    """A situation to find mentors for; the service checks the values."""

    field_aliases = {"price": "budget"}

    text = forms.CharField(
        label="Your situation",
        strip=False,  # the service strips it, and counts a line break as one character
        error_messages={"required": DESCRIBE_IT},
        help_text="Any language is fine. Up to 5,000 characters; only you see it unless you "
        "share it with a mentor.",
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "maxlength": 5000,
                "placeholder": SITUATION_PLACEHOLDER,
            }
        ),
    )
    title = forms.CharField(
        label="Title",
        required=False,
        help_text="A few words to find it again, such as “Salary talk on Friday”.",
        widget=forms.TextInput(attrs={"maxlength": 120}),
    )
    area = forms.ChoiceField(
        label="Area of life", required=False, choices=[("", "Any area")] + list(Area.choices)
    )
    topic = forms.ChoiceField(label="Topic", required=False)
    budget = forms.CharField(
        label="Budget per session",
        required=False,
        help_text="The most you want to pay for one session. Leave it blank for any price.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
    )
    currency = forms.ChoiceField(label="Currency", initial="EUR")
    languages = forms.MultipleChoiceField(
        label="Languages",
        required=False,
        help_text=many_choices_help(
            "A mentor must speak one of them; choose none for any language."
        ),
        widget=many_choices(size=6, noun="language"),
    )
    session_minutes = forms.TypedChoiceField(
        label="Session length",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any length")] + [(str(v), label) for v, label in SessionLength.choices],
        widget=forms.RadioSelect,
    )
    timing = forms.ChoiceField(
        label="When", initial="any", choices=TIMING_CHOICES, widget=forms.RadioSelect
    )
    window_start = LocalDateTimeField(label="From", required=False)
    window_end = LocalDateTimeField(label="Until", required=False)
    perspectives = forms.IntegerField(
        label="Perspectives",
        initial=1,
        help_text="How many different mentors’ views you would like, up to 5.",
        widget=forms.NumberInput(attrs={"min": 1, "class": "input--short"}),
    )

    def __init__(
        self,
        *args,
        topics: Iterable[Topic],
        languages: Iterable[Language],
        time_zone: str,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Any topic")] + topic_choices(
            topics, whole_categories=True
        )
        self.fields["languages"].choices = language_choices(languages)
        self.fields["currency"].choices = [(code, code) for code in currency_codes()]
        self.fields["window_start"].help_text = f"On your clock ({time_zone})."
        self.fields["window_end"].help_text = f"On your clock ({time_zone})."

    def clean(self):
        data = super().clean()
        budget = (data.get("budget") or "").strip()
        data["budget_money"] = None
        if budget and data.get("currency"):
            try:
                data["budget_money"] = Money.from_major(budget, data["currency"])
            except DomainError as error:
                self.add_error("budget", error.message)
        timing = data.get("timing")
        if timing and timing != "window":
            if data.get("window_start") or data.get("window_end"):
                self.add_error(
                    "window_start", "To use these dates, choose “Between two dates” under When."
                )
            data["window_start"] = data["window_end"] = None
        return data

    def service_arguments(self) -> dict:
        """Keyword arguments for ``situation_create`` or ``situation_update``."""
        data = self.cleaned_data
        arguments = {
            "area": data["area"],
            "topic": data["topic"],
            "budget": data["budget_money"],
            "languages": data["languages"],
            "session_minutes": data["session_minutes"],
            "as_soon_as_possible": data["timing"] == "asap",
            "window_start": data["window_start"],
            "window_end": data["window_end"],
            "perspectives": data["perspectives"],
        }
        if "text" in self.fields:
            arguments.update(text=data["text"], title=data["title"])
        return arguments

    @classmethod
    def initial_for(cls, situation) -> dict:
        """The form's starting values for a saved situation, with times on the person's clock."""
        zone = zoneinfo.ZoneInfo(situation.mentee.time_zone)
        local = {
            name: moment.astimezone(zone).replace(tzinfo=None) if moment else None
            for name, moment in (
                ("window_start", situation.window_start),
                ("window_end", situation.window_end),
            )
        }
        budget = (
            Money(situation.budget_minor, situation.currency).major
            if situation.budget_minor is not None
            else ""
        )
        return {
            "text": situation.text,
            "title": situation.title,
            "area": situation.area,
            "topic": situation.topic.slug if situation.topic_id else "",
            "budget": budget,
            "currency": situation.currency or "EUR",
            "languages": [language.code for language in situation.languages.all()],
            "session_minutes": situation.session_minutes or "",
            "timing": "asap"
            if situation.as_soon_as_possible
            else ("window" if situation.window_start else "any"),
            **local,
            "perspectives": situation.perspectives_requested,
        }


class SituationRefineForm(SituationForm):
    """The filters of a situation, refined from its matches page (its words stay as they are)."""

    optional_marks = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["text"]
        del self.fields["title"]
