"""A person's avatar: their photo, or their initials on a colour of their own."""

import pytest
from django.template import engines

from headstrt.web.templatetags.display import avatar_tone, photo_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def include(person, size=None) -> str:
    template = engines["django"].from_string(
        '{% include "web/includes/avatar.html" with person=person size=size %}'
    )
    return template.render({"person": person, "size": size})


def test_without_a_photo_it_shows_the_initials_on_the_person_s_colour():
    person = UserFactory(display_name="grace brewster hopper")
    tone = avatar_tone(person.public_id)

    assert include(person, "lg") == (
        f'<span class="avatar avatar--lg avatar--tone-{tone}" aria-hidden="true">GH</span>\n'
    )


def test_with_a_photo_it_shows_the_photo_at_the_size_asked_or_medium():
    person = UserFactory(photo="photos/someone.webp")

    assert include(person) == (
        f'<img class="avatar avatar--md" src="{photo_url(person)}" alt="" width="96" '
        'height="96" loading="lazy">\n'
    )
    assert f"/photos/{person.public_id}.webp?v=" in include(person)
