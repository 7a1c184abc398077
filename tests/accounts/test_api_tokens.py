"""Personal API tokens: shown once, stored as a hash, revocable only by their owner."""

import hashlib
from datetime import timedelta

import pytest

from headstrt.accounts import selectors, services
from headstrt.accounts.models import ApiToken
from headstrt.core.errors import DomainError, NotFound
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_token_returns_its_raw_key_once_and_stores_only_the_sha256():
    user = UserFactory()

    token, raw_key = services.api_token_create(user=user, name=" Phone ")

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw_key.startswith(services.API_TOKEN_PREFIX) and len(raw_key) > 40
    assert stored.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert stored.name == "Phone"
    assert raw_key.startswith(stored.prefix)
    assert all(
        raw_key not in str(getattr(stored, field.attname)) for field in ApiToken._meta.fields
    )


def test_every_token_gets_a_different_key():
    user = UserFactory()

    keys = {services.api_token_create(user=user, name=f"t{n}")[1] for n in range(5)}

    assert len(keys) == 5


def test_a_token_authenticates_its_owner_and_records_the_use():
    user = UserFactory()
    token, raw_key = services.api_token_create(user=user, name="Script")

    assert services.api_token_authenticate(raw_key=raw_key) == user
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "raw_key", ["", "hst_not-a-real-key", "Bearer something", "hst_" + "a" * 43]
)
def test_unknown_keys_authenticate_nobody(raw_key):
    services.api_token_create(user=UserFactory(), name="Real")

    assert services.api_token_authenticate(raw_key=raw_key) is None


def test_a_revoked_token_authenticates_nobody():
    user = UserFactory()
    token, raw_key = services.api_token_create(user=user, name="Old laptop")

    revoked = services.api_token_revoke(user=user, token_id=token.public_id)

    assert revoked.is_revoked
    assert services.api_token_authenticate(raw_key=raw_key) is None
    first_revoked_at = revoked.revoked_at
    again = services.api_token_revoke(user=user, token_id=token.public_id)
    assert again.revoked_at == first_revoked_at  # revoking twice changes nothing


def test_a_deactivated_persons_token_authenticates_nobody():
    user = UserFactory()
    _, raw_key = services.api_token_create(user=user, name="Phone")
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert services.api_token_authenticate(raw_key=raw_key) is None


def test_nobody_revokes_another_persons_token():
    owner, intruder = UserFactory(), UserFactory()
    token, raw_key = services.api_token_create(user=owner, name="Phone")

    with pytest.raises(NotFound):
        services.api_token_revoke(user=intruder, token_id=token.public_id)

    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.api_token_authenticate(raw_key=raw_key) == owner


def test_use_is_recorded_at_most_once_a_minute(django_assert_num_queries):
    user = UserFactory()
    token, raw_key = services.api_token_create(user=user, name="Busy client")
    services.api_token_authenticate(raw_key=raw_key)

    with django_assert_num_queries(1):
        services.api_token_authenticate(raw_key=raw_key)

    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=token.created_at - timedelta(minutes=5)
    )
    services.api_token_authenticate(raw_key=raw_key)
    token.refresh_from_db()
    assert token.last_used_at > token.created_at


def test_a_person_holds_at_most_twenty_active_tokens():
    user = UserFactory()
    tokens = [services.api_token_create(user=user, name=f"t{n}")[0] for n in range(20)]

    with pytest.raises(DomainError) as caught:
        services.api_token_create(user=user, name="one more")
    assert caught.value.code == "too_many_tokens"

    services.api_token_revoke(user=user, token_id=tokens[0].public_id)
    services.api_token_create(user=user, name="one more")
    assert user.api_tokens.count() == 21


def test_a_token_needs_a_name():
    with pytest.raises(DomainError) as caught:
        services.api_token_create(user=UserFactory(), name="  ")

    assert (caught.value.code, caught.value.field) == ("required", "name")
    assert not ApiToken.objects.exists()


def test_people_list_only_their_own_tokens():
    owner, other = UserFactory(), UserFactory()
    mine, _ = services.api_token_create(user=owner, name="Mine")
    services.api_token_create(user=other, name="Theirs")

    assert list(selectors.api_tokens_for_owner(user=owner)) == [mine]


def test_the_person_a_token_authenticates_is_read_whole_as_the_orm_reads_them():
    user = UserFactory(time_zone="Asia/Kathmandu")
    _, raw_key = services.api_token_create(user=user, name="Script")

    person = services.api_token_authenticate(raw_key=raw_key)

    stored = type(user).objects.get(pk=user.pk)
    fields = type(user)._meta.concrete_fields
    assert [getattr(person, field.attname) for field in fields] == [
        getattr(stored, field.attname) for field in fields
    ]
    assert person.date_joined.tzinfo is not None
    assert person.get_deferred_fields() == set()
