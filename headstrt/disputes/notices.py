"""What the parties, mediators and staff are told as a dispute moves: in-app notices and
email, sent once the step is committed (a refused or rolled-back step tells nobody)."""

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import dateformat

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.disputes.models import Assignment, Dispute, Proposal, Remedy
from headstrt.messaging.services import notification_send
from headstrt.scheduling.slots import zone_of


def dispute_path(dispute: Dispute) -> str:
    """The path of the dispute's case page on the web app."""
    return reverse("web:dispute_detail", args=[dispute.public_id])


def _moment(moment: datetime, person: User) -> str:
    """``moment`` on ``person``'s clock, e.g. ``Thursday 7 March 2030, 09:00 (Europe/Paris)``."""
    try:
        zone, name = zone_of(person.time_zone), person.time_zone
    except DomainError:
        zone, name = ZoneInfo("UTC"), "UTC"
    return f"{dateformat.format(moment.astimezone(zone), 'l j F Y, H:i')} ({name})"


def _outcome(remedy: str, mentor_percent: int) -> str:
    if remedy == Remedy.RELEASE:
        return "the payment goes to the mentor"
    if remedy == Remedy.REFUND:
        return "the mentee gets a full refund"
    return f"{mentor_percent} % of the payment goes to the mentor and the rest back to the mentee"


def _tell(people: Iterable[User], dispute: Dispute, kind: str, title: str, body: str) -> None:
    """Tell each of ``people`` once the transaction commits; ``body`` may name ``{when}``,
    the dispute's current deadline on the reader's clock."""
    url, deadline = dispute_path(dispute), dispute.deadline
    recipients = list({person.pk: person for person in people}.values())

    def send() -> None:
        for person in recipients:
            notification_send(
                recipient=person,
                kind=kind,
                title=title,
                # Not str.format: the body holds people's own words, braces and all.
                body=body.replace("{when}", _moment(deadline, person)),
                url=url,
            )

    transaction.on_commit(send)


def _parties(dispute: Dispute) -> list[User]:
    return [dispute.opener, dispute.respondent]


def opened(dispute: Dispute) -> None:
    opener = dispute.opener.display_name
    _tell(
        [dispute.respondent],
        dispute,
        "dispute.opened",
        f"{opener} opened a dispute about your session",
        f"{opener} opened a dispute about your session ({dispute.get_reason_display()}) and "
        f"asks that {_outcome(dispute.wanted, dispute.wanted_mentor_percent)}. The payment is "
        "frozen until the dispute is resolved.\n\nPlease give your account, with any evidence, "
        "by {when}. Without a response the dispute is resolved as they asked.",
    )


def responded(dispute: Dispute) -> None:
    _tell(
        [dispute.opener],
        dispute,
        "dispute.responded",
        f"{dispute.respondent.display_name} responded to your dispute",
        f"{dispute.respondent.display_name} gave their account of the session. A neutral "
        "mediator now takes the case.",
    )


def mediator_assigned(dispute: Dispute, assignment: Assignment) -> None:
    stage = "appeal" if assignment.stage == "appeal" else "case"
    _tell(
        [assignment.mediator.user],
        dispute,
        "dispute.assigned",
        f"A dispute {stage} for you to mediate",
        f"You are the neutral mediator of a dispute between {dispute.opener.display_name} and "
        f"{dispute.respondent.display_name}. Please read the case and "
        + ("decide (your decision is final)" if stage == "appeal" else "propose a resolution")
        + " with your reasons by {when}. After that the case goes to another mediator.",
    )
    _tell(
        _parties(dispute),
        dispute,
        "dispute.assigned",
        "A neutral mediator has your dispute",
        "A mediator with no ties to either of you now looks at the case, and will "
        + ("decide on the appeal" if stage == "appeal" else "propose a resolution")
        + " by {when}.",
    )


def mediator_replaced(dispute: Dispute, assignment: Assignment) -> None:
    _tell(
        [assignment.mediator.user],
        dispute,
        "dispute.replaced",
        "A dispute went to another mediator",
        "Your deadline on this dispute passed without a resolution, so another neutral "
        "mediator now has the case.",
    )


def no_mediator(dispute: Dispute, staff: Iterable[User]) -> None:
    _tell(
        staff,
        dispute,
        "dispute.no_mediator",
        "No neutral mediator available for a dispute",
        "A dispute needs a mediator, but every active mediator is tied to one of its parties, "
        "paused or already had the case. Add a mediator in the admin; the platform tries "
        "again at {when}.",
    )


def proposed(dispute: Dispute, proposal: Proposal) -> None:
    _tell(
        _parties(dispute),
        dispute,
        "dispute.proposed",
        "The mediator proposed a resolution",
        f"The mediator proposes that {_outcome(proposal.remedy, proposal.mentor_percent)}."
        f"\n\nTheir reasons: {proposal.reasons}\n\nPlease accept it, or appeal once to a "
        "second mediator, by {when}. Without an answer the proposal stands.",
    )


def accepted(dispute: Dispute, by: User) -> None:
    other = dispute.respondent if by.pk == dispute.opener_id else dispute.opener
    _tell(
        [other],
        dispute,
        "dispute.accepted",
        f"{by.display_name} accepted the proposed resolution",
        f"{by.display_name} accepted the mediator's proposal. If you accept it too, the "
        "dispute is resolved at once; otherwise it stands at {when} unless you appeal.",
    )


def appealed(dispute: Dispute, by: User) -> None:
    other = dispute.respondent if by.pk == dispute.opener_id else dispute.opener
    _tell(
        [other],
        dispute,
        "dispute.appealed",
        f"{by.display_name} appealed the proposed resolution",
        f"{by.display_name} appealed the mediator's proposal. A second neutral mediator "
        "decides, and their decision is final.",
    )


def evidence_added(dispute: Dispute, author: User, people: Iterable[User]) -> None:
    """Tell the others on the case that ``author`` added evidence (messages are told by the
    dispute's conversation)."""
    _tell(
        [person for person in people if person.pk != author.pk],
        dispute,
        "dispute.evidence",
        f"{author.display_name} added evidence to the dispute",
        f"{author.display_name} added evidence to the dispute. Read it on the case page.",
    )


def resolved(dispute: Dispute) -> None:
    how = "by default, as its deadline passed" if dispute.resolved_by_default else ""
    _tell(
        _parties(dispute),
        dispute,
        "dispute.resolved",
        "Your dispute is resolved",
        f"The dispute is resolved{' ' + how if how else ''}: "
        f"{_outcome(dispute.resolution, dispute.mentor_percent)}. The payment is settled "
        "accordingly.",
    )
