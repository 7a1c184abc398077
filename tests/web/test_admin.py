"""The staff admin: every accounts model has working list and edit pages; key hashes stay hidden."""

import pytest
from django.urls import reverse

from headstrt.accounts import services
from headstrt.accounts.models import ApiToken, User
from tests.factories import ExpertiseEntryFactory, MenteeProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("staff@example.org", "x" * 12))
    return client


@pytest.mark.parametrize(
    "model",
    ["user", "topic", "mentorprofile", "menteeprofile", "workingstyle", "language", "apitoken"],
)
def test_admin_list_and_edit_pages_render(staff_client, model):
    entry = ExpertiseEntryFactory()
    MenteeProfileFactory(user=entry.mentor.user)
    services.working_style_save(
        user=entry.mentor.user, communication="talk", directness=3, pace=3, values=[]
    )
    token, _ = services.api_token_create(user=entry.mentor.user, name="Phone")
    objects = {
        "user": entry.mentor.user,
        "topic": entry.topic,
        "mentorprofile": entry.mentor,
        "menteeprofile": entry.mentor.user.mentee_profile,
        "workingstyle": entry.mentor.user.working_style,
        "language": entry.mentor.user.languages.first(),
        "apitoken": token,
    }

    changelist = staff_client.get(reverse(f"admin:accounts_{model}_changelist"))
    change = staff_client.get(reverse(f"admin:accounts_{model}_change", args=[objects[model].pk]))

    assert changelist.status_code == 200 and change.status_code == 200
    assert token.key_hash not in change.content.decode()


def test_admin_finds_people_by_email_and_name(staff_client):
    UserFactory(email="findme@example.org", display_name="Wanda Searchable")

    html = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "Searchable"})

    assert "findme@example.org" in html.content.decode()


def test_admin_revokes_tokens_through_the_service(staff_client):
    token, _ = services.api_token_create(user=UserFactory(), name="Laptop")

    staff_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_admin_can_add_a_person(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.org",
            "display_name": "New Person",
            "usable_password": "true",
            "password1": "a long and unusual secret 81",
            "password2": "a long and unusual secret 81",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@example.org").check_password("a long and unusual secret 81")


def test_admin_deletes_a_person_through_the_service(staff_client):
    person = UserFactory()

    staff_client.post(reverse("admin:accounts_user_delete", args=[person.pk]), {"post": "yes"})

    assert not User.objects.filter(pk=person.pk).exists()
