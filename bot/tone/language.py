"""English/French detection for chat messages that refuses to guess on very short texts.

Detectors built on character n-grams misread one- to three-word messages ("ok merci", "top",
"lol"), so Pulse counts marker words (function words, chat words, French accents) and only
answers when there are enough words and one language clearly dominates; otherwise it says
``unknown`` and the caller falls back to the community's locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.tone.resources import load_toml, string_list

ENGLISH = "en"
FRENCH = "fr"
UNKNOWN = "unknown"
LANGUAGES = (ENGLISH, FRENCH)

MIN_WORDS = 3
"""Messages with fewer words than this are never assigned a language."""
MIN_MARKERS = 2
"""The winning language needs at least this many marker words (or accented words)."""
DOMINANCE = 2.0
"""...and at least this many times the other language's evidence."""

_FRENCH_ACCENTS = re.compile(r"[éèêàçùâîôûëïœ]")


class LanguageDetector:
    """Marker-word language detection for ``en``/``fr``; lists are loaded once."""

    def __init__(self) -> None:
        """Load the marker word lists from ``language.toml``."""
        data = load_toml("language.toml")
        self._english = frozenset(string_list(data["en"], "markers"))
        self._french = frozenset(string_list(data["fr"], "markers"))

    def detect(self, words: Iterable[str], word_count: int) -> str:
        """``en``, ``fr`` or ``unknown`` for a message's lower-case tokens and word count."""
        if word_count < MIN_WORDS:
            return UNKNOWN
        english = french = 0
        for word in words:
            if word in self._english:
                english += 1
            if word in self._french or _FRENCH_ACCENTS.search(word):
                french += 1
        if french >= MIN_MARKERS and french >= DOMINANCE * english:
            return FRENCH
        if english >= MIN_MARKERS and english >= DOMINANCE * french:
            return ENGLISH
        return UNKNOWN
