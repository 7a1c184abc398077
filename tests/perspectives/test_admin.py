"""The staff admin shows questions and their asks, read-only."""

import pytest
from django.urls import reverse

from headstrt.accounts.models import User
from tests.perspectives.asking import answer, answering_mentor, ask, ask_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["perspectiverequest", "perspectiveask"])
def test_admin_list_and_view_pages_render_without_a_way_to_change(client, mentee, model):
    client.force_login(User.objects.create_superuser("staff@example.org", "x" * 12))
    ana = answering_mentor("Ana", price=0)
    request = ask(mentee, ana, answering_mentor("Ben"), anonymous=True)
    answered = answer(ask_of(request, ana))
    shown = {"perspectiverequest": request, "perspectiveask": answered}[model]

    listing = client.get(reverse(f"admin:perspectives_{model}_changelist"))
    page = client.get(reverse(f"admin:perspectives_{model}_change", args=[shown.pk]))

    assert listing.status_code == page.status_code == 200
    assert shown.public_id in listing.content.decode()
    assert b'name="_save"' not in page.content
