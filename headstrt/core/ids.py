"""Public identifiers for URLs: random, short and not guessable."""

import secrets

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no look-alikes (0/o, 1/l/i)
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    """A fresh random public id (about 59 bits of entropy)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))
