"""Dispute pages: opening one from a session, the case page for each role with its actions,
evidence files served only to those who may see the case, errors shown on the forms, your
disputes, the mediator's console and the staff's overview, with pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from headstrt.disputes.models import (
    AuditEntry,
    Dispute,
    DisputeStatus,
    Evidence,
    Mediator,
    Proposal,
)
from headstrt.messaging.models import Message
from tests.factories import UserFactory
from tests.reviews.conftest import done_session, outsider, staff
from tests.scheduling.conftest import frozen, mentee, mentor
from tests.scheduling.sessions import TUESDAY_9, book

pytestmark = pytest.mark.django_db

OPEN_FORM = {
    "reason": "quality",
    "description": "The mentor left after ten minutes.",
    "wanted": "refund",
    "wanted_mentor_percent": "",
}


def url(name, *args) -> str:
    return reverse(f"web:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


def as_person(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def mediator(db):
    return Mediator.objects.create(
        user=UserFactory(display_name="Mo Mediator", email="mo@example.org")
    ).user


def opened(booking, mentee, **changes) -> Dispute:
    from headstrt.disputes import services

    arguments = {
        "reason": "quality",
        "description": "The mentor left after ten minutes.",
        "wanted": "refund",
        **changes,
    }
    return services.dispute_open(user=mentee, booking_id=booking.public_id, **arguments)


def responded(dispute, mentor_user) -> Dispute:
    from headstrt.disputes import services

    return services.dispute_respond(
        user=mentor_user, dispute_id=dispute.public_id, text="I stayed the full half hour."
    )


def proposed(dispute, mediator_user, percent=50) -> Dispute:
    from headstrt.disputes import services

    services.proposal_make(
        mediator_user=mediator_user,
        dispute_id=dispute.public_id,
        remedy="split",
        mentor_percent=percent,
        reasons="Both accounts hold part of the truth.",
    )
    dispute.refresh_from_db()
    return dispute


def snapshot() -> list:
    """Everything a refused action could have changed."""
    return [
        list(Dispute.objects.values_list("status", "deadline", "response", "resolution")),
        Message.objects.count(),
        Evidence.objects.count(),
        list(Proposal.objects.values_list("mentor_accepted_at", "mentee_accepted_at")),
        AuditEntry.objects.count(),
    ]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


# --- opening ----------------------------------------------------------------------------------


def test_the_session_page_offers_a_dispute_within_the_window_only(
    client, done_session, mentee, outsider, frozen
):
    as_person(client, mentee)
    page = html(client.get(url("session_detail", done_session.public_id)))
    assert "A problem with this session?" in page
    assert url("dispute_open", done_session.public_id) in page

    frozen.move(hours=73)
    later = html(client.get(url("session_detail", done_session.public_id)))
    assert url("dispute_open", done_session.public_id) not in later


def test_the_open_form_has_visible_labels_and_a_fieldset_for_the_remedy(
    client, done_session, mentee
):
    page = html(as_person(client, mentee).get(url("dispute_open", done_session.public_id)))
    assert "<legend" in page and "The resolution you want" in page
    assert "Release to the mentor" in page and "Full refund to the mentee" in page
    assert '<label class="field__label" for="id_wanted_mentor_percent">' in page
    assert "No-show" in page and "Conduct" in page and "Billing" in page
    assert '<label class="field__label" for="id_description">What happened' in page


def test_opening_a_dispute_freezes_the_payment_and_shows_the_case(
    client, done_session, mentee, mentor, frozen
):
    as_person(client, mentee)
    answer = client.post(url("dispute_open", done_session.public_id), OPEN_FORM)
    dispute = Dispute.objects.get()
    assert answer.status_code == 302 and answer.url == url("dispute_detail", dispute.public_id)
    case = html(client.get(answer.url))
    assert "Your dispute is open" in case and "Waiting for the other side" in case
    assert "Nia Negotiator responds by" in case and 'data-countdown-to="' in case
    assert "Thursday 7 March 2030" in case  # 48 hours later, on the Tokyo clock
    assert "Frozen" in case or "frozen" in case
    assert "Full refund to the mentee" in case

    session = html(client.get(url("session_detail", done_session.public_id)))
    assert "See the dispute" in session
    # A second visit to the form goes to the dispute instead.
    assert client.get(url("dispute_open", done_session.public_id)).url == answer.url

    as_person(client, mentor.user)
    theirs = html(client.get(answer.url))
    assert "Respond by" in theirs and "Send your response" in theirs


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "This field is required"),
        ({"wanted": "split", "wanted_mentor_percent": "150"}, "0"),
        ({"wanted": "everything"}, "Select a valid choice"),
        ({"description": "x" * 5000}, "4"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(
    client, done_session, mentee, changes, message
):
    as_person(client, mentee)
    answer = client.post(url("dispute_open", done_session.public_id), {**OPEN_FORM, **changes})
    assert answer.status_code == 200
    assert 'role="alert"' in html(answer) and message in html(answer)
    assert not Dispute.objects.exists()


def test_after_the_window_the_form_says_so_and_nothing_is_saved(
    client, done_session, mentee, frozen
):
    frozen.move(hours=73)
    as_person(client, mentee)
    answer = client.post(url("dispute_open", done_session.public_id), OPEN_FORM)
    assert answer.status_code == 200 and "until 72 hours after its end" in html(answer)
    assert not Dispute.objects.exists()
    visit = client.get(url("dispute_open", done_session.public_id))
    assert visit.url == url("session_detail", done_session.public_id)
    assert "until 72 hours after its end" in html(client.get(visit.url))


def test_strangers_get_404_everywhere_and_nothing_changes(
    client, done_session, mentee, mentor, mediator, outsider, frozen
):
    dispute = opened(done_session, mentee)
    from headstrt.disputes import services

    evidence = services.evidence_add(
        user=mentee,
        dispute_id=dispute.public_id,
        text="Call log",
        upload=SimpleUploadedFile("log.txt", b"09:00 joined\n09:10 left\n"),
    )
    before = snapshot()
    as_person(client, outsider)
    assert client.get(url("dispute_open", done_session.public_id)).status_code == 404
    assert client.post(url("dispute_open", done_session.public_id), OPEN_FORM).status_code == 404
    assert client.get(url("dispute_detail", dispute.public_id)).status_code == 404
    posts = {
        "dispute_respond": {"text": "Mine"},
        "dispute_evidence_add": {"text": "Mine"},
        "dispute_message_send": {"body": "Hello"},
        "dispute_proposal_make": {"remedy": "release", "reasons": "Because"},
        "dispute_accept": {},
        "dispute_appeal": {"reason": "No"},
    }
    for name, data in posts.items():
        assert client.post(url(name, dispute.public_id), data).status_code == 404, name
    file_url = url("dispute_evidence_file", dispute.public_id, evidence.public_id)
    assert client.get(file_url).status_code == 404
    # A mediator not on the case is a stranger too.
    as_person(client, mediator)
    assert client.get(url("dispute_detail", dispute.public_id)).status_code == 404
    assert client.get(file_url).status_code == 404
    assert snapshot() == before


# --- the case, step by step --------------------------------------------------------------------


def test_the_respondent_responds_and_the_mediator_sees_the_whole_record(
    client, done_session, mentee, mentor, mediator, frozen
):
    dispute = opened(done_session, mentee)
    as_person(client, mentor.user)
    empty = client.post(url("dispute_respond", dispute.public_id), {"text": ""})
    assert empty.status_code == 200 and 'role="alert"' in html(empty)
    answer = client.post(url("dispute_respond", dispute.public_id), {"text": "I stayed."})
    assert answer.status_code == 302
    assert "A neutral mediator now looks at the case" in html(client.get(answer.url))

    as_person(client, mediator)
    case = html(client.get(url("dispute_detail", dispute.public_id)))
    assert "With the mediator" in case and "Propose by" in case and "you mediate it" in case
    assert "I stayed." in case and "The mentor left after ten minutes." in case
    assert "Session record" in case and "marked done by Nia Negotiator" in case
    assert "Ask for 15% more" in case  # the session's objective
    assert "Nobody joined the video room." in case
    assert "€40.00" in case  # the payment summary
    assert "Audit log" in case and "Opened" in case
    assert "Propose</button>" in case and "<legend" in case
    assert "The session page" not in case


def test_evidence_upload_download_and_refused_files(
    client, done_session, mentee, mentor, outsider, frozen
):
    dispute = opened(done_session, mentee)
    as_person(client, mentee)
    target = url("dispute_evidence_add", dispute.public_id)
    png = SimpleUploadedFile("screen.png", png_bytes(), content_type="image/png")
    answer = client.post(target, {"text": "The empty room", "file": png})
    assert answer.status_code == 302
    evidence = Evidence.objects.get()

    page = html(client.get(url("dispute_detail", dispute.public_id)))
    file_url = url("dispute_evidence_file", dispute.public_id, evidence.public_id)
    assert "The empty room" in page and file_url in page and "Download screen.png" in page

    as_person(client, mentor.user)
    download = client.get(file_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "screen.png" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png_bytes()
    # The address of another dispute does not serve it.
    wrong = url("dispute_evidence_file", "nosuchdispute", evidence.public_id)
    assert client.get(wrong).status_code == 404

    before = snapshot()
    page_as_pdf = SimpleUploadedFile("report.pdf", b"<html><script>alert(1)</script></html>")
    refused = client.post(target, {"text": "A page", "file": page_as_pdf})
    assert refused.status_code == 200 and 'role="alert"' in html(refused)
    assert "PDF, PNG, JPEG, WebP or plain text" in html(refused)
    too_big = SimpleUploadedFile("big.txt", b"a" * (10 * 1024 * 1024 + 1))
    refused = client.post(target, {"file": too_big})
    assert refused.status_code == 200 and "at most 10 MB" in html(refused)
    assert snapshot() == before


def test_messages_are_shown_escaped_to_everyone_on_the_case(
    client, done_session, mentee, mentor, frozen
):
    dispute = opened(done_session, mentee)
    as_person(client, mentee)
    answer = client.post(
        url("dispute_message_send", dispute.public_id), {"body": "<script>x()</script> hi"}
    )
    assert answer.status_code == 302
    as_person(client, mentor.user)
    page = html(client.get(url("dispute_detail", dispute.public_id)))
    assert "&lt;script&gt;x()&lt;/script&gt; hi" in page and "<script>x()" not in page
    empty = client.post(url("dispute_message_send", dispute.public_id), {"body": ""})
    assert empty.status_code == 200 and 'role="alert"' in html(empty)


def test_the_mediator_proposes_a_split_and_both_accept(
    client, done_session, mentee, mentor, mediator, frozen
):
    dispute = responded(opened(done_session, mentee), mentor.user)
    as_person(client, mediator)
    target = url("dispute_proposal_make", dispute.public_id)
    before = snapshot()
    wrong = client.post(target, {"remedy": "split", "mentor_percent": "150", "reasons": "Half"})
    assert wrong.status_code == 200 and 'role="alert"' in html(wrong)
    assert snapshot() == before
    answer = client.post(target, {"remedy": "split", "mentor_percent": "50", "reasons": "Half"})
    assert answer.status_code == 302

    as_person(client, mentee)
    page = html(client.get(url("dispute_detail", dispute.public_id)))
    assert "Resolution proposed" in page and "Accept or appeal by" in page
    assert "Split: 50 % to the mentor, 50 % back to the mentee" in page
    assert "Accept the proposal" in page and "Appeal</button>" in page
    accepted = client.post(url("dispute_accept", dispute.public_id))
    assert accepted.status_code == 302
    assert "The other side is asked to accept it too" in html(client.get(accepted.url))

    as_person(client, mentor.user)
    done = client.post(url("dispute_accept", dispute.public_id))
    page = html(client.get(done.url))
    assert "The dispute is resolved" in page and "Resolved" in page
    assert "Released to the mentor" in page and "€20.00" in page
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED and dispute.mentor_percent == 50


def test_a_party_appeals_and_a_second_mediator_decides(
    client, done_session, mentee, mentor, mediator, frozen
):
    second = Mediator.objects.create(user=UserFactory(display_name="Ana Appeal")).user
    dispute = proposed(responded(opened(done_session, mentee), mentor.user), mediator)
    as_person(client, mentor.user)
    empty = client.post(url("dispute_appeal", dispute.public_id), {"reason": ""})
    assert empty.status_code == 200 and 'role="alert"' in html(empty)
    answer = client.post(url("dispute_appeal", dispute.public_id), {"reason": "I was there."})
    assert answer.status_code == 302
    assert "their decision is final" in html(client.get(answer.url))

    # The first mediator still sees the case but may no longer act on it.
    as_person(client, mediator)
    past = html(client.get(url("dispute_detail", dispute.public_id)))
    assert "you mediated it before" in past and "Propose</button>" not in past
    assert "Decide</button>" not in past
    before = snapshot()
    refused = client.post(
        url("dispute_proposal_make", dispute.public_id),
        {"remedy": "release", "reasons": "Changed my mind"},
    )
    assert refused.status_code == 302
    assert "Only the mediator the case is assigned to" in html(client.get(refused.url))
    assert snapshot() == before

    as_person(client, second)
    page = html(client.get(url("dispute_detail", dispute.public_id)))
    assert "With the appeal mediator" in page and "Decide by" in page
    decided = client.post(
        url("dispute_proposal_make", dispute.public_id),
        {"remedy": "release", "reasons": "The call log shows a full session."},
    )
    assert decided.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED and dispute.mentor_percent == 100


def test_staff_see_any_case_without_actions(client, done_session, mentee, staff, frozen):
    dispute = opened(done_session, mentee)
    page = html(as_person(client, staff).get(url("dispute_detail", dispute.public_id)))
    assert "you see it as staff" in page and "Send the message" not in page


# --- lists and consoles ----------------------------------------------------------------------


def disputed_sessions(mentor, mentee, frozen, count: int) -> list[Dispute]:
    """``count`` completed sessions of the mentee with the mentor, each disputed by her."""
    from headstrt.scheduling import services

    bookings = [book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=n)) for n in range(count)]
    frozen.set(bookings[-1].end + timedelta(minutes=1))
    for booking in bookings:
        services.booking_complete(user=mentor.user, booking_id=booking.public_id)
    return [opened(booking, mentee) for booking in bookings]


@pytest.mark.parametrize("count", [1, 3])
def test_my_disputes_costs_a_fixed_number_of_queries(
    client, mentor, mentee, frozen, django_assert_num_queries, count
):
    disputed_sessions(mentor, mentee, frozen, count)
    as_person(client, mentee)
    # session, user, unread notifications; the mediator check; count, page of disputes
    with django_assert_num_queries(6):
        page = html(client.get(url("my_disputes")))
    assert page.count("Waiting for the other side</span>") == count
    assert 'aria-current="page">Disputes' in page


def test_my_disputes_is_empty_without_any(client, outsider):
    page = html(as_person(client, outsider).get(url("my_disputes")))
    assert "No disputes." in page and "Mediation" not in page


@pytest.mark.parametrize("count", [1, 3])
def test_the_mediation_console_lists_live_cases_soonest_first(
    client, mentor, mentee, mediator, frozen, django_assert_num_queries, count
):
    disputes = disputed_sessions(mentor, mentee, frozen, count)
    for dispute in disputes:
        responded(dispute, mentor.user)
        frozen.move(minutes=5)
    frozen.move(hours=72)  # the first case is now overdue
    as_person(client, mediator)
    # session, user, unread notifications; the mediator check; the queue
    with django_assert_num_queries(5):
        page = html(client.get(url("mediation")))
    assert page.count("Propose by") == count and "Overdue" in page
    positions = [page.index(url("dispute_detail", d.public_id)) for d in disputes]
    assert positions == sorted(positions)
    assert "Mediation: the cases you mediate" in html(client.get(url("my_disputes")))


def test_the_mediation_console_is_for_mediators_only(client, mentee):
    assert as_person(client, mentee).get(url("mediation")).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_the_staff_overview(
    client, mentor, mentee, mediator, staff, frozen, django_assert_num_queries, count
):
    disputes = disputed_sessions(mentor, mentee, frozen, count)
    proposed(responded(disputes[0], mentor.user), mediator)
    from headstrt.disputes import services

    services.proposal_accept(user=mentee, dispute_id=disputes[0].public_id)
    services.proposal_accept(user=mentor.user, dispute_id=disputes[0].public_id)
    assert as_person(client, mentee).get(url("staff_disputes")).status_code == 302

    as_person(client, staff)
    # session, user, unread notifications; open disputes, counts by status, resolved ones
    with django_assert_num_queries(6):
        page = html(client.get(url("staff_disputes")))
    assert "Disputes overview" in page and "Median time to resolution" in page
    assert f"Open disputes ({count - 1})" in page
    assert "Split</dt><dd>1</dd>" in page and "Resolved by default</dt><dd>0 %</dd>" in page
