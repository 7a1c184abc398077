"""The security tests' world: made once per test module inside a transaction that is rolled
back at the module's end, and each test that uses it runs in a savepoint of its own (the
``django_db`` mark every such test gets), so what one test changes is gone before the next
(as Django's ``TestCase.setUpTestData`` does)."""

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from tests.clock import Clock
from tests.security.world import World, world_build

# The database the settings name before pytest-django swaps in the test database: the world
# must never be written there.
CONFIGURED_DATABASE = str(django_settings.DATABASES["default"]["NAME"])


def pytest_collection_modifyitems(items):
    """A test that uses the world gets the test database, even when run on its own."""
    for item in items:
        if "module_world" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.django_db)


def _block_of_a_test_case() -> transaction.Atomic:
    block = transaction.atomic()
    # Marked as Django marks its test cases' own blocks, so the services' durable
    # transactions may run inside it.
    block._from_testcase = True
    return block


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    from tests.scheduling.sessions import NOW

    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        _block_of_a_test_case(),
    ):
        name = str(connection.settings_dict["NAME"])
        assert name != CONFIGURED_DATABASE, f"Not the test database: {name}"
        patch.setattr(django_settings, "DATA_DIR", tmp_path_factory.mktemp("world"))
        world = world_build(Clock(patch, NOW))
        world.data_dir = django_settings.DATA_DIR
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, settings) -> World:
    """The module's world (its clock stays stopped just after the done session), with its
    files where the test looks for them; the test's ``django_db`` savepoint undoes what it
    changes."""
    settings.DATA_DIR = module_world.data_dir
    return module_world
