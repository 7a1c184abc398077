"""What people are told as written perspectives move: in-app notices and email, only once
the change is committed."""

import pytest

from headstrt.messaging.models import Notification
from headstrt.perspectives import services
from tests.perspectives.asking import (
    QUESTION,
    answer,
    answering_mentor,
    ask,
    ask_of,
    pay,
)
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


def notices_of(person) -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.filter(recipient=person)
        .order_by("created_at", "id")
        .values_list("kind", "title", "url")
    )


def only_message_to(mailbox, person):
    [message] = mailbox.messages_to(person.email)
    return mailbox.body(message)


def test_mentors_are_told_when_asked_with_the_deadline_on_their_clock(mentee, mailbox, committed):
    ana, ben = answering_mentor("Ana", price=0), answering_mentor("Ben", price=2000)

    with committed():
        request = ask(mentee, ana, ben, title="Friday's negotiation", anonymous=True)
    assert mailbox.messages_to(ben.user.email) == []  # not paid yet
    with committed():
        pay(mentee, request)

    for mentor, price in ((ana, "for free"), (ben, "for €20.00")):
        asked = ask_of(request, mentor)
        assert notices_of(mentor.user) == [
            (
                "perspectives.asked",
                "Anonymous mentee asks for your perspective",
                f"/perspectives/asks/{asked.public_id}/",
            )
        ]
        body = only_message_to(mailbox, mentor.user)
        assert f"written perspective, {price}" in body and "Friday's negotiation" in body
        assert "Wednesday 6 March 2030, 09:00 (Europe/Paris)" in body
        assert "Mia Mentee" not in body


def test_the_mentee_hears_of_answers_declines_and_expiries(mentee, mailbox, committed, frozen):
    ana, ben, cleo = (answering_mentor(name, price=1000) for name in ("Ana", "Ben", "Cleo"))
    request = ask(mentee, ana, ben, cleo)
    pay(mentee, request)

    with committed():
        answer(ask_of(request, ana))
        services.perspective_decline(
            mentor=ben.user, ask_id=ask_of(request, ben).public_id, reason="Outside my field"
        )
        frozen.move(hours=49)
        services.perspectives_expire_due()

    path = f"/perspectives/{request.public_id}/"
    assert notices_of(mentee) == [
        ("perspectives.answered", "Ana answered your question", path),
        ("perspectives.declined", "Ben declined your question", path),
        ("perspectives.expired", "Cleo did not answer in time", path),
    ]
    bodies = "\n".join(mailbox.body(message) for message in mailbox.messages_to(mentee.email))
    assert "Their reason: Outside my field" in bodies
    assert bodies.count("The €10.00 you paid for this answer is refunded.") == 2


def test_offers_and_follow_ups_reach_the_other_side(mentee, mailbox, committed):
    ana = answering_mentor("Ana", price=0)
    posted = services.perspective_request_create(
        mentee=mentee, question=QUESTION, open=True, anonymous=True
    )

    with committed():
        made = services.perspective_offer_make(
            mentor=ana.user, request_id=posted.public_id, note="Twelve years as a recruiter."
        )
        [asked] = services.perspective_offer_accept(
            mentee=mentee, request_id=posted.public_id, offer_ids=[made.public_id]
        )
        answer(asked)
        services.perspective_follow_up(user=mentee, ask_id=asked.public_id, text="And then?")
        services.perspective_follow_up(user=ana.user, ask_id=asked.public_id, text="Wait.")

    assert [kind for kind, _, _ in notices_of(mentee)] == [
        "perspectives.offer",
        "perspectives.answered",
        "perspectives.follow_up",
    ]
    assert notices_of(ana.user)[-1] == (
        "perspectives.follow_up",
        f"Anonymous mentee followed up on “{posted.heading}”",
        f"/perspectives/asks/{asked.public_id}/",
    )
    to_mentee = "\n".join(mailbox.body(m) for m in mailbox.messages_to(mentee.email))
    to_mentee = to_mentee.replace("\r\n", "\n")
    assert "Twelve years as a recruiter." in to_mentee and "Ana wrote:\n\nWait." in to_mentee


def test_a_refused_action_tells_nobody(mentee, mailbox, committed):
    ana = answering_mentor("Ana", price=0)
    request = ask(mentee, ana)
    before = Notification.objects.count()

    with committed():
        refused("answer_too_short", answer, ask=ask_of(request, ana), text="Yes.")

    assert Notification.objects.count() == before and mailbox.messages == []
