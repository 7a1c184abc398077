"""Sections about outcomes and reliability that other pages include: a session's outcome and
a mentor's reliability and outcome rates."""

from django import template

from headstrt.reviews import outcomes, reliability

register = template.Library()


@register.inclusion_tag("web/outcomes/_session.html", takes_context=True)
def outcome_section(context) -> dict:
    """The session page's outcome section, for the ``booking`` and ``user`` in context."""
    from headstrt.web.views.outcomes import outcome_context  # the page's forms live there

    found = outcome_context(booking=context["booking"], user=context["user"])
    return {**found, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/outcomes/_mentor.html")
def reliability_and_outcomes(profile) -> dict:
    """A mentor profile's reliability (score, counts, response time) and outcome rates,
    overall and for each topic whose mentees answered."""
    # The profile's expertise came with its topics, which most sessions are on.
    expertise_topics = [entry.topic for entry in profile.expertise.all()]
    found = outcomes.mentor_outcomes(mentor=profile, known_topics=expertise_topics)
    return {
        "profile": profile,
        "reliability": reliability.reliability_of_person(profile.user_id),
        "overall": found.overall,
        "topics": [item for item in found.topics if item.rate is not None],
    }
