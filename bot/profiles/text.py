"""Text hygiene shared by every normaliser: invisible characters out, one canonical form.

Answers come from people typing on phones, pasting from documents and, sometimes, trying
to break things. Control, format (zero-width, bidirectional override) and lone surrogate
characters are removed, Unicode is composed (NFC), and runs of whitespace become one
space. Right-to-left letters and emoji are ordinary text and are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.profiles.errors import NOT_TEXT, TOO_LONG, FieldError

MAX_INPUT = 20_000
"""Longer raw answers are refused before any work, whatever the question allows."""
ECHO_LIMIT = 40
"""User text quoted inside an error is cut to this many characters, so messages stay short."""

_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_ARTICLES = frozenset({"the", "le", "la", "les", "l"})
_TOKEN_SPELLINGS = {"st": "saint", "ste": "sainte"}
_NON_ALNUM = re.compile(r"[\W_]+")


def fixpoint(step: Callable[[str], str], value: str, limit: int = 4) -> str:
    """Apply ``step`` until the text stops changing, so the result is stable by construction."""
    for _ in range(limit):
        following = step(value)
        if following == value:
            return value
        value = following
    return value


def scrub(text: str) -> str:
    """The text with whitespace of any kind as a plain space and invisible characters removed."""
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def _clean_once(text: str) -> str:
    """One pass of cleaning: scrub, compose, collapse whitespace."""
    return " ".join(unicodedata.normalize("NFC", scrub(text)).split())


def clean_text(text: str) -> str:
    """Text as Pulse keeps it: visible characters, composed, single-spaced, trimmed."""
    return fixpoint(_clean_once, text)


def caseless(text: str) -> str:
    """Compatibility-folded, case-folded text (``ＰＹＴＨＯＮ`` and ``Python`` read the same)."""
    return fixpoint(
        lambda value: unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", value).casefold()
        ),
        text,
    )


def fold(text: str) -> str:
    """A lookup key: no case, accents, punctuation, spaces or leading article ("L'Allemagne")."""
    decomposed = unicodedata.normalize("NFKD", scrub(text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    tokens = _NON_ALNUM.sub(" ", bare.replace("&", " and ")).split()
    tokens = [_TOKEN_SPELLINGS.get(token, token) for token in tokens]
    while len(tokens) > 1 and tokens[0] in _ARTICLES:
        tokens = tokens[1:]
    return "".join(tokens)


def echo(value: str) -> str:
    """User text fit to quote in an error: one line, no invisible characters, at most 40 chars."""
    cleaned = clean_text(value[:MAX_INPUT])
    return cleaned if len(cleaned) <= ECHO_LIMIT else cleaned[: ECHO_LIMIT - 1] + "…"


def too_long(length: int, maximum: int) -> FieldError:
    """The error for an answer of ``length`` characters where ``maximum`` are allowed."""
    return FieldError(TOO_LONG, {"maximum": maximum, "length": length})


def normalise_text(text: object, *, max_length: int) -> str | FieldError:
    """A free-text answer cleaned, or an error when it is not text or longer than allowed."""
    if not isinstance(text, str):
        return FieldError(NOT_TEXT)
    if len(text) > MAX_INPUT:
        return too_long(len(text), max_length)
    cleaned = clean_text(text)
    if len(cleaned) > max_length:
        return too_long(len(cleaned), max_length)
    return cleaned
