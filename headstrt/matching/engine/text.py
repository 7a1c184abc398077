"""Language-agnostic tokenisation for lexical retrieval."""

import re
import unicodedata

# Scripts written without spaces between words: indexed as overlapping character bigrams.
_UNSPACED = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)


def _mark_class() -> str:
    """Combining marks of the Basic Multilingual Plane, as a character-class body.

    Python's ``\\w`` excludes marks, which would cut Devanagari, Bengali or Hebrew words apart.
    """
    spans: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if spans and spans[-1][1] == code - 1:
                spans[-1] = (spans[-1][0], code)
            else:
                spans.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in spans)


_TOKEN = re.compile(
    f"(?P<unspaced>[{_UNSPACED}]+)|(?P<word>(?:[^\\W_{_UNSPACED}]|[{_mark_class()}])+)"
)

# A small, general list: words that say nothing about what a person needs.
_STOP_WORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also get got im ive dont doesnt isnt cant us one want wants wanted need needs needed really"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())

MAX_TEXT_CHARS = 20_000


def tokenize(text: str) -> list[str]:
    """Normalised lexical tokens of ``text``: words, or character bigrams in unspaced scripts."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).casefold()
    tokens: list[str] = []
    for unspaced, word in _TOKEN.findall(text):
        if word:
            if len(word) > 1 and word not in STOP_WORDS:
                tokens.append(word)
        elif len(unspaced) == 1:
            tokens.append(unspaced)
        else:
            tokens.extend(unspaced[i : i + 2] for i in range(len(unspaced) - 1))
    return tokens
