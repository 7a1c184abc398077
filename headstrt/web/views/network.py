"""The "my network" page: the graph of people and topics around a person, its figures, and
discovery."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from headstrt.core.errors import DomainError
from headstrt.network.discovery import network_discovery
from headstrt.network.layout import ROLES, network_svg, role_of, ties_in_words
from headstrt.network.selectors import network_of


@login_required
@never_cache
def my_network(request):
    """The person's network drawn and listed, their figures, and mentors people in their
    network rated highly (for a topic chosen with ``?topic=<slug>``)."""
    network = network_of(user=request.user)
    topic_error, status = "", 200
    try:
        discovery = network_discovery(
            user=request.user, topic=request.GET.get("topic"), reach=network.reach
        )
    except DomainError as error:
        topic_error, status = error.message, 400
        discovery = network_discovery(user=request.user, reach=network.reach)
    roles = dict(ROLES)
    names = {node.topic.pk: node.topic.name for node in network.topics}
    context = {
        "network": network,
        "graph": network_svg(network),
        "people": [
            {
                "node": node,
                "role": roles[role_of(node)],
                "ties": ties_in_words(node),
                "topics": ", ".join(sorted(names[pk] for pk in node.topic_ids)),
            }
            for node in network.people
        ],
        "discovery": discovery,
        "topic_error": topic_error,
    }
    return render(request, "web/network/page.html", context, status=status)


routes = [path("me/network/", my_network, name="network")]
