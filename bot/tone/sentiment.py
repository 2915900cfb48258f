"""Polarity scorers: English (VADER + TextBlob blend) and French (textblob-fr + chat lexicon).

Both score a normalised message (``ChatText.text`` and ``.tokens``) into [-1, 1]. Chat
words, emoji and emoticons come from ``chat_lexicon.toml``; for English they are added to a
private copy of VADER's lexicon (so VADER's negation, booster and "but" rules apply to them),
for French they are summed with a simple negation rule and blended with textblob-fr.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from textblob._text import EMOTICONS as _PATTERN_EMOTICONS
from textblob.en import sentiment as textblob_en
from textblob_fr.fr import sentiment as textblob_fr
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TEXTBLOB_WEIGHT_EN = 0.25
"""Share of TextBlob in the English blend when TextBlob rates at least one word."""
TEXTBLOB_WEIGHT_FR = 0.5
"""Share of textblob-fr in the French blend when both it and the chat lexicon rate words."""
VADER_ALPHA = 15.0
"""Normalisation constant of VADER's compound score, reused for the French chat sum."""
NEGATION_SCALAR = -0.74
"""VADER's factor for a negated word, reused for French chat words."""
VADER_CHUNK_WORDS = 100
"""Messages longer than this many words are scored by VADER in chunks of this size."""
LAUGHTER_SOFTENING = 0.85
"""With other sentiment present, laughter scales the score down instead of adding to it."""

_FR_NEGATIONS = frozenset({"pas", "jamais", "plus", "rien", "sans", "ne", "n'", "aucun", "ni"})
_FR_NEGATION_WINDOW = 3


def squash(total: float) -> float:
    """VADER's mapping of an unbounded valence sum into (-1, 1)."""
    return total / math.sqrt(total * total + VADER_ALPHA)


def clamp(value: float) -> float:
    """Clamp to [-1, 1], turning NaN into 0 so that no caller ever sees an invalid score."""
    if math.isnan(value):
        return 0.0
    return max(-1.0, min(1.0, value))


class TextBlobRater:
    """TextBlob (pattern) polarity of pre-tokenised words, through its public list input.

    Pattern compares every non-alphabetic unknown token with its whole emoticon table; such
    tokens ("'s", "17", "@user") are replaced by letter placeholders of the same length class
    first, which keeps its negation and modifier rules exact and makes the call about 2x faster.
    """

    def __init__(self, lexicon: Any, keep: Collection[str] = ("!", "(!)", "n't")) -> None:
        """Wrap one pattern ``Sentiment`` lexicon (English or French) and load it now."""
        lexicon(["bon"])  # pattern loads its lexicon lazily; do it at construction
        self._lexicon = lexicon
        emoticons = {e.lower() for faces in _PATTERN_EMOTICONS.values() for e in faces}
        self._rated = frozenset(lexicon.keys()) | emoticons
        self._keep = frozenset(keep) | self._rated

    def __call__(self, tokens: Sequence[str]) -> tuple[float, bool]:
        """Polarity and whether any word was rated."""
        if self._rated.isdisjoint(tokens):
            return 0.0, False  # nothing TextBlob could rate: skip the call
        keep = self._keep
        words = []
        for token in tokens:
            if token.isalpha():
                words.append(token)
            else:
                lowered = token.lower()
                words.append(lowered if lowered in keep else _placeholder(token))
        score = self._lexicon(words)
        return float(score[0]), bool(score.assessments)


def _placeholder(token: str) -> str:
    """A letters-only stand-in that pattern treats exactly like ``token`` (an unknown word)."""
    long_for_negation = len(token.strip("'")) > 1
    return "zzz" if long_for_negation and len(token) > 2 else "zz" if long_for_negation else "z"


class EnglishScorer:
    """VADER with Pulse's chat additions, blended with TextBlob where TextBlob rates words."""

    def __init__(self, additions: Mapping[str, float], laughter: Collection[str]) -> None:
        """Build a private VADER whose lexicon also knows Pulse's chat words and emoji."""
        self._vader = SentimentIntensityAnalyzer()
        self._vader.emojis = {}  # emoji are normalised by bot.tone.chat, not described in words
        lexicon: dict[str, float] = self._vader.lexicon
        for word, valence in additions.items():
            lexicon.setdefault(word.lower(), valence)
        self.lexicon = lexicon
        self._laughter = frozenset(laughter)
        self._laughter_re = re.compile(
            r"(?<!\S)(?:" + "|".join(re.escape(w) for w in laughter) + r")(?!\S)", re.I
        )
        self._textblob = TextBlobRater(textblob_en)

    def is_negative_word(self, token: str) -> bool:
        """True for words VADER (with chat additions) rates clearly negative."""
        return self.lexicon.get(token, 0.0) <= -1.0

    def score(self, text: str, tokens: Sequence[str]) -> float:
        """Blended polarity of one normalised English message."""
        if not self._laughter.isdisjoint(tokens) and self._has_other_sentiment(tokens):
            vader = LAUGHTER_SOFTENING * self._vader_compound(self._laughter_re.sub(" ", text))
            tokens = [token for token in tokens if token not in self._laughter]
        else:
            vader = self._vader_compound(text)
        blob, rated = self._textblob(tokens)
        if not rated:
            return vader
        return (1.0 - TEXTBLOB_WEIGHT_EN) * vader + TEXTBLOB_WEIGHT_EN * blob

    def _vader_compound(self, text: str) -> float:
        """VADER's compound score, 0 for text without words; long texts go in chunks.

        VADER re-reads the whole word list for every rated word (quadratic), so a
        4,000-character paste is scored as the length-weighted mean of 100-word chunks.
        """
        words = text.split()
        if len(words) <= VADER_CHUNK_WORDS:
            return float(self._vader.polarity_scores(text)["compound"]) if words else 0.0
        total = 0.0
        for start in range(0, len(words), VADER_CHUNK_WORDS):
            chunk = words[start : start + VADER_CHUNK_WORDS]
            total += len(chunk) * float(self._vader.polarity_scores(" ".join(chunk))["compound"])
        return total / len(words)

    def _has_other_sentiment(self, tokens: Sequence[str]) -> bool:
        """Whether words other than laughter carry valence (then "lol" only softens)."""
        lexicon = self.lexicon
        return any(lexicon.get(t, 0.0) != 0.0 and t not in self._laughter for t in tokens)


class FrenchScorer:
    """textblob-fr polarity blended with Pulse's French chat words, emoji and emoticons."""

    def __init__(self, chat_valence: Mapping[str, float], laughter: Collection[str]) -> None:
        """Keep the French chat valences and load textblob-fr's lexicon once."""
        self._valence = dict(chat_valence)
        self._laughter = frozenset(laughter)
        self._textblob = TextBlobRater(textblob_fr)
        self._negative = frozenset(w for w, v in self._valence.items() if v <= -1.0)

    def is_negative_word(self, token: str) -> bool:
        """True for French chat words rated clearly negative."""
        return token in self._negative

    def score(self, text: str, tokens: Sequence[str]) -> float:
        """Blended polarity of one normalised French message."""
        chat_sum, rated_chat = self._chat_sum(tokens)
        blob, rated_blob = self._textblob(tokens)
        chat = squash(chat_sum)
        if rated_chat and rated_blob:
            return TEXTBLOB_WEIGHT_FR * blob + (1.0 - TEXTBLOB_WEIGHT_FR) * chat
        return chat if rated_chat else blob

    def _chat_sum(self, tokens: Sequence[str]) -> tuple[float, bool]:
        """Sum of chat valences with French negation; laughter only counts when alone."""
        total, rated, laughter = 0.0, False, 0.0
        for index, token in enumerate(tokens):
            valence = self._valence.get(token)
            if valence is None:
                continue
            if token in self._laughter:
                laughter += valence
                continue
            window = tokens[max(0, index - _FR_NEGATION_WINDOW) : index]
            # Phrases ("marche_plus") already carry their negation.
            if "_" not in token and any(word in _FR_NEGATIONS for word in window):
                valence *= NEGATION_SCALAR
            total, rated = total + valence, True
        if not rated and laughter:
            return laughter, True
        return (total * LAUGHTER_SOFTENING if laughter else total), rated
