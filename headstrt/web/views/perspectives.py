"""Pages of written perspectives: asking several mentors at once, comparing their answers
side by side, the mentor's inbox and answer page, and the feed of open situations."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors as accounts
from headstrt.accounts.models import Area, MentorProfile
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.matching import selectors as matching
from headstrt.payments import answers as answer_payments
from headstrt.perspectives import feed, selectors, services
from headstrt.perspectives.models import (
    DEFAULT_ANSWER_HOURS,
    MAX_ANSWER,
    MAX_ASKED,
    MAX_FOLLOW_UP,
    MAX_NOTE,
    MAX_QUESTION,
    MIN_ANSWER,
    AskStatus,
    PerspectiveRequest,
)
from headstrt.web.forms import (
    DomainForm,
    currency_codes,
    language_choices,
    many_choices,
    many_choices_help,
    topic_choices,
)
from headstrt.web.paging import requested_page
from headstrt.web.payment_forms import card_field
from headstrt.web.refusals import http_refusal

ANSWER_HOURS = [
    (12, "12 hours"),
    (24, "24 hours"),
    (48, "48 hours"),
    (72, "3 days"),
    (168, "A week"),
]
HOW_CHOICES = [
    ("mentors", "Ask the mentors I chose"),
    ("auto", "Pick mentors for me, with different backgrounds"),
    ("open", "Post it openly: mentors who fit offer their perspective, I choose whom to ask"),
]
# A link from the matches page names a handful of mentors; more are ignored, not looked up.
MAX_LINKED_MENTORS = MAX_ASKED * 2


def _text(label: str, help_text: str, *, max_length: int, rows: int, required: bool = True):
    return forms.CharField(
        label=label,
        required=required,
        strip=False,  # the service strips and counts
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


# --- forms ----------------------------------------------------------------------------------------


class RequestForm(DomainForm):
    """A question for several mentors: chosen ones, picked automatically, or an open post."""

    field_aliases = {
        "mentor_ids": "mentors",
        "mentor": "mentors",
        "budget_minor": "budget",
        "price": "budget",
        "topic_slug": "topic",
        "situation_id": "situation",
    }

    situation = forms.CharField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(
        label="Title",
        required=False,
        help_text="A few words mentors see first, such as “Salary talk on Friday”.",
        widget=forms.TextInput(attrs={"maxlength": 120}),
    )
    question = _text(
        "Your question",
        f"What is happening and what you would like their view on, up to {MAX_QUESTION:,} "
        "characters. Mentors answer in writing.",
        max_length=MAX_QUESTION,
        rows=8,
        required=False,
    )
    how = forms.ChoiceField(
        label="Whom to ask", choices=HOW_CHOICES, initial="mentors", widget=forms.RadioSelect
    )
    mentors = forms.MultipleChoiceField(
        label="Mentors to ask",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    auto = forms.IntegerField(
        label="How many mentors",
        required=False,
        help_text=f"From your situation's matches who answer in writing, up to {MAX_ASKED}.",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ASKED, "class": "input--short"}),
    )
    answer_hours = forms.TypedChoiceField(
        label="Answer within",
        coerce=int,
        choices=ANSWER_HOURS,
        initial=DEFAULT_ANSWER_HOURS,
        help_text="A mentor who does not answer in time is refunded to you in full.",
    )
    anonymous = forms.BooleanField(
        label="Hide my name from mentors",
        required=False,
        help_text="Mentors read “Anonymous mentee” instead of your name.",
    )
    budget = forms.CharField(
        label="Most you pay per answer",
        required=False,
        help_text="For an open post: only mentors whose answer price fits can offer. Leave it "
        "blank for any price.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
    )
    currency = forms.ChoiceField(label="Currency", initial="EUR")
    area = forms.ChoiceField(
        label="Area of life", required=False, choices=[("", "Any area")] + list(Area.choices)
    )
    topic = forms.ChoiceField(label="Topic", required=False)
    languages = forms.MultipleChoiceField(
        label="Languages",
        required=False,
        help_text=many_choices_help(
            "A mentor must speak one of them; choose none for any language."
        ),
        widget=many_choices(size=5, noun="language"),
    )

    def __init__(self, *args, mentors: list[MentorProfile], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentors"].choices = [
            (mentor.user.public_id, _mentor_label(mentor)) for mentor in mentors
        ]
        self.fields["topic"].choices = [("", "Any topic")] + topic_choices(
            accounts.topics(), whole_categories=True
        )
        self.fields["languages"].choices = language_choices(accounts.languages())
        self.fields["currency"].choices = [(code, code) for code in currency_codes()]

    def clean(self):
        data = super().clean()
        how = data.get("how")
        if how == "auto" and not data.get("auto"):
            self.add_error("auto", "Say how many mentors to pick, from 1 to 5.")
        data["budget_minor"] = None
        budget = (data.get("budget") or "").strip()
        if budget and data.get("currency"):
            try:
                data["budget_minor"] = Money.from_major(budget, data["currency"]).minor
            except DomainError as error:
                self.add_error("budget", error.message)
        return data

    def service_arguments(self) -> dict:
        """Keyword arguments for ``perspective_request_create``."""
        data = self.cleaned_data
        how = data["how"]
        return {
            "question": data["question"],
            "title": data["title"],
            "situation_id": data["situation"] or None,
            "mentor_ids": data["mentors"] if how == "mentors" else (),
            "auto": (data["auto"] or 0) if how == "auto" else 0,
            "open": how == "open",
            "anonymous": data["anonymous"],
            "answer_hours": data["answer_hours"],
            "budget_minor": data["budget_minor"] if how == "open" else None,
            "currency": data["currency"] if how == "open" and data["budget_minor"] else None,
            "area": data["area"],
            "topic_slug": data["topic"] or None,
            "languages": data["languages"],
        }


class PayForm(DomainForm):
    """The card that pays for the answers asked for."""

    source = card_field()


class FollowUpForm(DomainForm):
    text = _text(
        "Your message",
        f"Up to {MAX_FOLLOW_UP:,} characters; each side may write three.",
        max_length=MAX_FOLLOW_UP,
        rows=3,
    )


class AnswerForm(DomainForm):
    field_aliases = {"text": "answer"}

    answer = _text(
        "Your answer",
        f"{MIN_ANSWER} to {MAX_ANSWER:,} characters. Your perspective, from your own "
        "experience; the mentee compares it side by side with the others.",
        max_length=MAX_ANSWER,
        rows=12,
    )


class DeclineForm(DomainForm):
    reason = forms.CharField(
        label="Why",
        required=False,
        help_text="The mentee sees it. They are refunded in full.",
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )


class OfferForm(DomainForm):
    note = _text(
        "Why you",
        f"A few lines on what you would bring, up to {MAX_NOTE:,} characters.",
        max_length=MAX_NOTE,
        rows=3,
    )


def _mentor_label(mentor: MentorProfile) -> str:
    price = Money(mentor.answer_price_minor or 0, mentor.currency)
    if mentor.answer_price_minor is None:
        return f"{mentor.user.display_name} (does not answer in writing)"
    return f"{mentor.user.display_name}, {price} per answer"


# --- helpers --------------------------------------------------------------------------------------


def _refused(error: DomainError) -> None:
    if refusal := http_refusal(error):
        raise refusal from None


def _request_url(request_id: str) -> str:
    return reverse("web:perspective_detail", args=[request_id])


def _ask_url(ask_id: str) -> str:
    return reverse("web:perspective_ask", args=[ask_id])


def _own_request(request, request_id: str) -> PerspectiveRequest:
    try:
        return selectors.perspective_request_get_for_mentee(
            request_id=request_id, mentee=request.user
        )
    except NotFound:
        raise Http404("No such request.") from None


def _mentor_ask(request, ask_id: str):
    try:
        return selectors.perspective_ask_get_for_mentor(ask_id=ask_id, mentor=request.user)
    except NotFound:
        raise Http404("No such request.") from None


def _own_situation(request, situation_id: str):
    """The viewer's own situation, or ``None`` (a link naming someone else's is ignored)."""
    if not situation_id:
        return None
    try:
        return matching.situation_get_for_owner(situation_id=situation_id, user=request.user)
    except (NotFound, PermissionDenied):
        return None


def _named_mentors(ids: list[str]) -> list[MentorProfile]:
    """The listed mentors a link or a form names, in its order; unknown ids are left out."""
    wanted = list(dict.fromkeys(ids[:MAX_LINKED_MENTORS]))
    listed = accounts.mentors_with_details().filter(
        user__public_id__in=wanted, is_active=True, user__is_active=True
    )
    by_id = {mentor.user.public_id: mentor for mentor in listed}
    return [by_id[public_id] for public_id in wanted if public_id in by_id]


# --- the mentee's pages ---------------------------------------------------------------------------


@login_required
@never_cache
def perspective_list(request):
    """The mentee's requests for perspectives, newest first."""
    page = requested_page(request, selectors.perspective_requests_of(mentee=request.user))
    rows = []
    for item in page.items:
        asks = list(item.asks.all())
        rows.append(
            (
                item,
                sum(ask.status == AskStatus.ANSWERED for ask in asks),
                sum(ask.status != AskStatus.WITHDRAWN for ask in asks),
                sum(ask.status == AskStatus.UNPAID for ask in asks),
            )
        )
    return render(request, "web/perspectives/list.html", {"page": page, "rows": rows})


def _initial_request(request, situation) -> dict:
    how = request.GET.get("how", "")
    try:
        auto = int(request.GET.get("auto", ""))
    except ValueError:
        auto = situation.perspectives_requested if situation else 3
    initial = {
        "how": how if how in dict(HOW_CHOICES) else "mentors",
        "mentors": request.GET.getlist("mentor"),
        "auto": min(max(auto, 1), MAX_ASKED),
        "languages": [language.code for language in request.user.languages.all()],
    }
    if situation is not None:
        initial.update(
            situation=situation.public_id,
            title=situation.title,
            question=situation.text[:MAX_QUESTION],
            area=situation.area,
            topic=situation.topic.slug if situation.topic_id else "",
            languages=[language.code for language in situation.languages.all()],
            currency=situation.currency or "EUR",
        )
    return initial


@login_required
def perspective_new(request):
    """Ask several mentors for written perspectives on a situation or a question."""
    if request.method != "POST":
        situation = _own_situation(request, request.GET.get("situation", ""))
        mentors = _named_mentors(request.GET.getlist("mentor"))
        form = RequestForm(initial=_initial_request(request, situation), mentors=mentors)
        return _new_page(request, form, situation)
    situation = _own_situation(request, request.POST.get("situation", ""))
    mentors = _named_mentors(request.POST.getlist("mentors"))
    form = RequestForm(request.POST, mentors=mentors)
    if form.is_valid():
        try:
            created = services.perspective_request_create(
                mentee=request.user, **form.service_arguments()
            )
        except DomainError as error:
            _refused(error)
            form.add_domain_error(error)
        else:
            messages.success(request, _created_message(created))
            return redirect(_request_url(created.public_id))
    return _new_page(request, form, situation)


def _new_page(request, form: RequestForm, situation):
    context = {"form": form, "situation": situation}
    return render(request, "web/perspectives/new.html", context)


def _created_message(created: PerspectiveRequest) -> str:
    asks = list(created.asks.all())
    if any(ask.status == AskStatus.UNPAID for ask in asks):
        return "Your request is ready. Pay for the answers below to send it to the mentors."
    if asks:
        return (
            f"Your request is sent to {len(asks)} mentor{'s' if len(asks) != 1 else ''}. "
            "You are told as each answer arrives."
        )
    return (
        "Your situation is posted. Mentors who fit it offer their perspective here; you "
        "choose whom to ask."
    )


def _follow_up_form(ask_id: str, data=None) -> FollowUpForm:
    # Several answers on one page each have a form: their fields need ids of their own.
    return FollowUpForm(data, auto_id=f"id_{ask_id}_%s")


def _detail_page(request, perspective: PerspectiveRequest, *, pay_form=None, bound=None):
    """The request: its answers side by side, what is still due, payment, offers."""
    rows = []
    for item in selectors.perspective_comparison(request=perspective):
        left = selectors.follow_ups_left(ask=item.ask, user=request.user)
        form = None
        if left:
            form = bound[1] if bound and bound[0] == item.ask.public_id else None
            form = form or _follow_up_form(item.ask.public_id)
        rows.append((item, form, left))
    unpaid = [ask for ask in perspective.asks.all() if ask.status == AskStatus.UNPAID]
    total = Money(sum(ask.price_minor for ask in unpaid), unpaid[0].currency) if unpaid else None
    asked = {ask.mentor_id for ask in perspective.asks.all()}
    context = {
        "perspective": perspective,
        "rows": rows,
        "unpaid": unpaid,
        "total": total,
        "pay_form": pay_form or PayForm(),
        "offers": [offer for offer in perspective.offers.all() if offer.mentor_id not in asked],
        "is_closed": perspective.closed_at is not None,
        "now": clock.now(),
        "test_cards": settings.HEADSTRT_PAYMENT_PROVIDER == "test",
    }
    return render(request, "web/perspectives/detail.html", context)


@login_required
@never_cache
def perspective_detail(request, request_id: str):
    """The mentee's request: answers side by side, each ask's status and due time, paying,
    marking the most helpful, follow-ups, and offers on an open post."""
    return _detail_page(request, _own_request(request, request_id))


@login_required
@require_POST
def perspective_pay(request, request_id: str):
    """Pay once for every answer still waiting for payment; each sits in escrow until the
    mentor answers, and comes back if they do not."""
    perspective = _own_request(request, request_id)
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            answer_payments.answers_pay(
                mentee=request.user,
                request_id=perspective.public_id,
                source=form.cleaned_data["source"],
            )
        except DomainError as error:
            _refused(error)
            if error.code == "nothing_to_pay":
                messages.info(request, error.message)
                return redirect(_request_url(perspective.public_id))
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                "Paid. Your question is sent; each payment stays in escrow until that mentor "
                "answers, and comes back to you if they do not.",
            )
            return redirect(_request_url(perspective.public_id))
    return _detail_page(request, _own_request(request, request_id), pay_form=form)


def _mentee_action(request, request_id: str, run, done: str):
    perspective = _own_request(request, request_id)
    try:
        run(perspective.public_id)
    except DomainError as error:
        _refused(error)
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_request_url(perspective.public_id))


@login_required
@require_POST
def perspective_close(request, request_id: str):
    """Close an open post: no more offers; asks already paid run to their deadline."""

    def run(request_id):
        services.perspective_request_close(mentee=request.user, request_id=request_id)

    done = "Your post is closed: mentors can no longer offer. Answers already asked for still come."
    return _mentee_action(request, request_id, run, done)


@login_required
@require_POST
def perspective_offers_accept(request, request_id: str):
    """Ask the mentors whose offers the mentee ticked."""
    chosen = request.POST.getlist("offer")

    def run(request_id):
        services.perspective_offer_accept(
            mentee=request.user, request_id=request_id, offer_ids=chosen
        )

    done = "Those mentors are asked. Pay below, unless they answer for free, to send your question."
    return _mentee_action(request, request_id, run, done)


@login_required
@require_POST
def perspective_helpful(request, ask_id: str):
    """Mark an answer as the most helpful of the request (again: unmark it)."""
    try:
        ask = services.perspective_mark_helpful(mentee=request.user, ask_id=ask_id)
    except DomainError as error:
        _refused(error)
        messages.error(request, error.message)
        return redirect("web:perspective_list")
    mentor = ask.mentor.user.display_name
    if ask.helpful:
        messages.success(request, f"{mentor}’s answer is marked the most helpful.")
    else:
        messages.success(request, f"{mentor}’s answer is no longer marked the most helpful.")
    return redirect(_request_url(ask.request.public_id) + f"#answer-{ask.public_id}")


@login_required
@require_POST
def perspective_follow_up(request, ask_id: str):
    """A follow-up under an answer, by the request's mentee or the answer's mentor."""
    form = _follow_up_form(ask_id, request.POST)
    if form.is_valid():
        try:
            follow_up = services.perspective_follow_up(
                user=request.user, ask_id=ask_id, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            _refused(error)
            if form.field_aliases.get(error.field, error.field) not in form.fields:
                # Not about the text (all messages used, no answer yet): said on the page.
                messages.error(request, error.message)
                return redirect(_follow_up_back(request, ask_id))
            form.add_domain_error(error)
        else:
            messages.success(request, "Your message is sent.")
            ask = follow_up.ask
            if ask.request.mentee_id == request.user.pk:
                return redirect(_request_url(ask.request.public_id) + f"#answer-{ask.public_id}")
            return redirect(_ask_url(ask.public_id) + "#follow-ups")
    # The form again, with its error, on the page it was written on.
    if request.POST.get("request"):
        perspective = _own_request(request, request.POST["request"])
        return _detail_page(request, perspective, bound=(ask_id, form))
    return _ask_page(request, _mentor_ask(request, ask_id), follow_up_form=form)


def _follow_up_back(request, ask_id: str) -> str:
    """The page a follow-up was written on: the mentee's request, which its form names, or
    the mentor's question."""
    if request.POST.get("request"):
        perspective = _own_request(request, request.POST["request"])
        return _request_url(perspective.public_id) + f"#answer-{ask_id}"
    return _ask_url(_mentor_ask(request, ask_id).public_id) + "#follow-ups"


# --- the mentor's pages ---------------------------------------------------------------------------


def _answer_price_notice(profile: MentorProfile | None) -> str:
    if profile is None:
        return "Open a mentor profile and set the price of a written answer to receive questions."
    if profile.answer_price_minor is None:
        return (
            "You do not answer in writing yet: set the price of a written answer on your "
            "mentor profile (0 answers for free) to be asked and to see open situations."
        )
    return ""


@login_required
@never_cache
def perspective_inbox(request):
    """The questions mentees asked me, the soonest due first."""
    profile = getattr(request.user, "mentor_profile", None)
    page = requested_page(request, selectors.asks_for_mentor(mentor=request.user))
    context = {
        "page": page,
        "rows": [(ask, selectors.mentee_label(ask.request, request.user)) for ask in page.items],
        "notice": _answer_price_notice(profile),
        "now": clock.now(),
    }
    return render(request, "web/perspectives/inbox.html", context)


def _ask_page(request, ask, *, answer_form=None, decline_form=None, follow_up_form=None):
    left = selectors.follow_ups_left(ask=ask, user=request.user)
    context = {
        "ask": ask,
        "perspective": ask.request,
        "mentee": selectors.mentee_label(ask.request, request.user),
        "others": selectors.answers_visible_to_mentor(ask=ask),
        "answer_form": answer_form or AnswerForm(),
        "decline_form": decline_form or DeclineForm(),
        "follow_up_form": (follow_up_form or _follow_up_form(ask.public_id)) if left else None,
        "follow_ups_left": left,
        "now": clock.now(),
    }
    return render(request, "web/perspectives/ask.html", context)


@login_required
@never_cache
def perspective_ask(request, ask_id: str):
    """A question to me: answer or decline it by its due time; then the other mentors'
    answers and the follow-ups."""
    return _ask_page(request, _mentor_ask(request, ask_id))


@login_required
@require_POST
def perspective_answer(request, ask_id: str):
    """Send my written answer."""
    ask = _mentor_ask(request, ask_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.perspective_answer(
                mentor=request.user, ask_id=ask.public_id, answer=form.cleaned_data["answer"]
            )
        except DomainError as error:
            _refused(error)
            if form.field_aliases.get(error.field, error.field) not in form.fields:
                # Not about the text (too late, already answered): said on the page.
                messages.error(request, error.message)
                return redirect(_ask_url(ask.public_id))
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                "Your answer is sent. Here are the other mentors’ answers, as they arrive.",
            )
            return redirect(_ask_url(ask.public_id))
    return _ask_page(request, _mentor_ask(request, ask_id), answer_form=form)


@login_required
@require_POST
def perspective_decline(request, ask_id: str):
    """Decline to answer; the mentee is refunded."""
    ask = _mentor_ask(request, ask_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.perspective_decline(
                mentor=request.user, ask_id=ask.public_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _refused(error)
            if form.field_aliases.get(error.field, error.field) not in form.fields:
                messages.error(request, error.message)
                return redirect(_ask_url(ask.public_id))
            form.add_domain_error(error)
        else:
            messages.success(request, "You declined. The mentee is told and refunded.")
            return redirect("web:perspective_inbox")
    return _ask_page(request, _mentor_ask(request, ask_id), decline_form=form)


def _feed_page(request, *, bound=None):
    items = feed.open_requests_for_mentor(mentor=request.user)
    rows = []
    for item in items:
        request_id = item.request.public_id
        form = bound[1] if bound and bound[0] == request_id else None
        rows.append((item, form or OfferForm(auto_id=f"id_{request_id}_%s")))
    context = {
        "rows": rows,
        "notice": feed.open_requests_notice(mentor=request.user),
        "now": clock.now(),
    }
    return render(request, "web/perspectives/feed.html", context)


@login_required
@never_cache
def perspective_feed(request):
    """Open situations that fit my expertise, best first, with why; offer my perspective."""
    return _feed_page(request)


@login_required
@require_POST
def perspective_offer(request, request_id: str):
    """Offer my perspective on an open situation, at my answer price."""
    form = OfferForm(request.POST, auto_id=f"id_{request_id}_%s")
    if form.is_valid():
        try:
            services.perspective_offer_make(
                mentor=request.user, request_id=request_id, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            _refused(error)
            if form.field_aliases.get(error.field, error.field) not in form.fields:
                messages.error(request, error.message)
                return redirect("web:perspective_feed")
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                "Your offer is sent. If the mentee asks you, the question is in your inbox.",
            )
            return redirect("web:perspective_feed")
    return _feed_page(request, bound=(request_id, form))


routes = [
    path("perspectives/", perspective_list, name="perspective_list"),
    path("perspectives/new/", perspective_new, name="perspective_new"),
    path("perspectives/inbox/", perspective_inbox, name="perspective_inbox"),
    path("perspectives/open/", perspective_feed, name="perspective_feed"),
    path("perspectives/asks/<slug:ask_id>/", perspective_ask, name="perspective_ask"),
    path("perspectives/asks/<slug:ask_id>/answer/", perspective_answer, name="perspective_answer"),
    path(
        "perspectives/asks/<slug:ask_id>/decline/",
        perspective_decline,
        name="perspective_decline",
    ),
    path(
        "perspectives/asks/<slug:ask_id>/helpful/",
        perspective_helpful,
        name="perspective_helpful",
    ),
    path(
        "perspectives/asks/<slug:ask_id>/follow-ups/",
        perspective_follow_up,
        name="perspective_follow_up",
    ),
    path("perspectives/<slug:request_id>/", perspective_detail, name="perspective_detail"),
    path("perspectives/<slug:request_id>/pay/", perspective_pay, name="perspective_pay"),
    path("perspectives/<slug:request_id>/close/", perspective_close, name="perspective_close"),
    path(
        "perspectives/<slug:request_id>/offers/accept/",
        perspective_offers_accept,
        name="perspective_offers_accept",
    ),
    path("perspectives/<slug:request_id>/offers/", perspective_offer, name="perspective_offer"),
]
