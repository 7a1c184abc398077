"""Public identifiers for URLs: random, short and not guessable."""

import secrets

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no look-alikes (0/o, 1/l/i)
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    """A fresh random public id (about 59 bits of entropy)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def new_public_ids(count: int) -> list[str]:
    """``count`` fresh public ids, as random as ``new_public_id``'s but drawn in bulk (for
    bulk inserts, where one system call per character would dominate)."""
    # Bytes at or above the largest multiple of the alphabet size are dropped, so every
    # character stays equally likely.
    limit = 256 - 256 % len(_ALPHABET)
    characters: list[str] = []
    while len(characters) < count * PUBLIC_ID_LENGTH:
        needed = count * PUBLIC_ID_LENGTH - len(characters)
        characters += [
            _ALPHABET[byte % len(_ALPHABET)]
            for byte in secrets.token_bytes(needed + needed // 8 + 16)
            if byte < limit
        ]
    return [
        "".join(characters[start : start + PUBLIC_ID_LENGTH])
        for start in range(0, count * PUBLIC_ID_LENGTH, PUBLIC_ID_LENGTH)
    ]
