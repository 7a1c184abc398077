"""A cheap Argon2 for tests: still argon2, so tests see real argon2 hashes, just faster."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
