"""Lists as people write them in a sentence."""

from collections.abc import Sequence


def names_in_words(names: Sequence[str]) -> str:
    """ "Ada", "Ada and Bo", "Ada, Bo and Cy"; an empty string for no names."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"
