"""Template tags of disputes: the session page's dispute action, deadlines and remedies in
words, and the lines of the audit log."""

from datetime import timedelta

from django import template
from django.conf import settings

from headstrt.disputes.models import DisputeStatus, Remedy
from headstrt.disputes.selectors import dispute_can_open

register = template.Library()

ROLE_LABELS = {
    "opener": "you opened it",
    "respondent": "you are asked to respond",
    "mediator": "you mediate it",
    "past_mediator": "you mediated it before",
    "staff": "you see it as staff",
}


@register.inclusion_tag("web/disputes/session_action.html", takes_context=True)
def dispute_session_action(context) -> dict:
    """On a session page: its dispute, or "Open a dispute" while its participant may still
    open one."""
    booking, user = context["booking"], context["user"]
    existing = getattr(booking, "dispute", None)
    return {
        "booking": booking,
        "dispute": existing,
        "can_open": existing is None
        and dispute_can_open(booking=booking, user=user, now=context["now"]),
        "window_ends": booking.end + timedelta(hours=settings.HEADSTRT_DISPUTE_WINDOW_HOURS),
    }


@register.filter
def party_role(dispute, user) -> str:
    """``opener`` or ``respondent``, for a list of a party's own disputes."""
    return "opener" if dispute.opener_id == user.pk else "respondent"


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, "")


@register.simple_tag
def deadline_label(dispute, role: str) -> str:
    """What the deadline is for, in the viewer's words: "Respond by", "Propose by", …"""
    status = dispute.status
    if status == DisputeStatus.AWAITING_RESPONSE:
        if role == "respondent":
            return "Respond by"
        return f"{dispute.respondent.display_name} responds by"
    if status == DisputeStatus.IN_MEDIATION:
        return "Propose by" if role == "mediator" else "The mediator proposes by"
    if status == DisputeStatus.IN_APPEAL:
        return "Decide by" if role == "mediator" else "The appeal mediator decides by"
    if status == DisputeStatus.PROPOSED:
        if role in ("opener", "respondent"):
            return "Accept or appeal by"
        return "The parties accept or appeal by"
    return ""


@register.simple_tag
def default_text(dispute) -> str:
    """What happens when the current deadline passes."""
    status = dispute.status
    if status == DisputeStatus.AWAITING_RESPONSE:
        wanted = remedy_text(dispute.wanted, dispute.wanted_mentor_percent)
        opener = dispute.opener.display_name
        return f"Without a response, the dispute is resolved as {opener} asked: {wanted.lower()}."
    if status in (DisputeStatus.IN_MEDIATION, DisputeStatus.IN_APPEAL):
        return "If the mediator does not act in time, another neutral mediator takes over."
    if status == DisputeStatus.PROPOSED:
        return "Without an appeal, the proposal stands."
    return ""


@register.simple_tag
def remedy_text(remedy: str, mentor_percent: int | None) -> str:
    """A resolution in words, e.g. "Split: 60 % to the mentor, 40 % back to the mentee"."""
    if remedy == Remedy.SPLIT and mentor_percent is not None:
        return (
            f"Split: {mentor_percent} % to the mentor, {100 - mentor_percent} % back to the mentee"
        )
    return Remedy(remedy).label if remedy in Remedy.values else ""


@register.filter
def audit_label(action: str) -> str:
    """``proposal_made`` → ``Proposal made``."""
    words = str(action).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@register.filter
def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


@register.filter
def share(value: float | None) -> str:
    """``0.25`` → ``25 %``."""
    return "—" if value is None else f"{value * 100:.0f} %"
