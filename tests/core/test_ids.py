"""Public ids: fixed length, an alphabet without look-alikes, random rather than sequential."""

import pytest

from headstrt.core.ids import PUBLIC_ID_LENGTH, new_public_id, new_public_ids
from tests.factories import UserFactory

ORDERED_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
ALPHABET = set(ORDERED_ALPHABET)


def test_public_ids_have_the_fixed_length_and_only_unambiguous_characters():
    ids = [new_public_id() for _ in range(1000)]

    assert all(len(public_id) == PUBLIC_ID_LENGTH for public_id in ids)
    used = set("".join(ids))
    assert used <= ALPHABET
    assert not used & set("01ilo")


def test_public_ids_use_the_whole_alphabet():
    # 12,000 draws from 31 characters: missing one by chance has odds of about e^-387.
    assert set("".join(new_public_id() for _ in range(1000))) == ALPHABET


def test_public_ids_are_unique_and_not_in_creation_order():
    ids = [new_public_id() for _ in range(500)]

    assert len(set(ids)) == len(ids)
    assert ids != sorted(ids)


def test_ids_drawn_in_bulk_follow_the_same_rules():
    ids = new_public_ids(2000)

    assert len(ids) == 2000
    assert all(len(public_id) == PUBLIC_ID_LENGTH for public_id in ids)
    assert set("".join(ids)) == ALPHABET
    assert len(set(ids)) == len(ids)
    assert new_public_ids(0) == []
    assert len(new_public_ids(1)) == 1


def test_bulk_ids_have_no_modulo_bias():
    # Without rejecting high bytes, "byte % 31" makes the alphabet's first 8 characters
    # 9/8 as likely as the rest: about 234 more of each in 60,000 characters. A fair draw
    # keeps the gap between the two groups' means within about 18 (one standard deviation).
    text = "".join(new_public_ids(5000))
    counts = [text.count(character) for character in ORDERED_ALPHABET]
    first, rest = counts[:8], counts[8:]

    assert abs(sum(first) / len(first) - sum(rest) / len(rest)) < 100


@pytest.mark.django_db
def test_people_created_one_after_another_get_unrelated_ids():
    first, second, third = UserFactory.create_batch(3, verified=False)
    ids = [first.public_id, second.public_id, third.public_id]

    assert len(set(ids)) == 3
    assert all(len(public_id) == PUBLIC_ID_LENGTH for public_id in ids)
    assert not any(public_id.isdigit() for public_id in ids)
