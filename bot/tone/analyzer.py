"""ToneAnalyzer: one message in, one :class:`ToneReading` out (polarity, label, hostility).

Pure and platform-free: lexicons are loaded once in the constructor, ``read`` does no I/O.
Per-member sentiment is never exposed; callers aggregate readings per channel.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata

from bot.tone.chat import ChatNormaliser, slug
from bot.tone.hostility import HostilityDetector
from bot.tone.language import ENGLISH, FRENCH, LANGUAGES, UNKNOWN, LanguageDetector
from bot.tone.resources import float_table, load_toml, string_list
from bot.tone.sarcasm import SarcasmDetector
from bot.tone.sentiment import EnglishScorer, FrenchScorer, clamp, textblob_en, textblob_fr

ANALYZER_NAME = "pulse-tone"
ANALYZER_VERSION = 1
"""Bumped whenever scores change meaning (lexicons, weights, band): trends stay comparable."""
ANALYZER = f"{ANALYZER_NAME}/{ANALYZER_VERSION}"

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)

NEUTRAL_BAND = 0.16
"""Polarity above +band is positive, below -band negative, otherwise neutral. Chosen on the
tuning half of the rated tweets only, as the band with the best macro-recall averaged over
+-0.03 around it (``python bench/tone.py --sweep`` shows the choice)."""
POSITIVE_THRESHOLD = NEUTRAL_BAND
NEGATIVE_THRESHOLD = -NEUTRAL_BAND

HOSTILE_POLARITY = 0.3
"""A hostile message scores at most minus this value: an attack is never neutral in tone."""
SARCASM_POLARITY = 0.3
"""A sarcastic message ("oh great, it crashed again 🙄") scores at most minus this value."""

_COMPONENTS = ("vaderSentiment", "textblob", "textblob-fr")


@dataclass(frozen=True, slots=True)
class ToneReading:
    """The tone of one message; ``analyzer`` names the scorer so that trends stay comparable."""

    polarity: float
    label: str
    hostile: bool
    language: str
    analyzer: str
    hostile_reasons: tuple[str, ...] = ()


def label_for(polarity: float, neutral_band: float = NEUTRAL_BAND) -> str:
    """``positive``/``neutral``/``negative`` for a polarity, with an explicit neutral band."""
    if polarity > neutral_band:
        return POSITIVE
    if polarity < -neutral_band:
        return NEGATIVE
    return NEUTRAL


@functools.lru_cache(maxsize=64)
def supported_language(code: str | None) -> str:
    """``en``/``fr`` from a locale such as ``fr-FR`` or ``FR``; anything else is English."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else ENGLISH


class _Engine:
    """The heavy, shareable parts: lexicons, VADER, normaliser, language and sarcasm rules."""

    def __init__(self) -> None:
        """Load every data file once; nothing here is touched again per message."""
        chat = load_toml("chat_lexicon.toml")
        emoji, emoticons = float_table(chat["emoji"]), float_table(chat["emoticons"])
        emotes = {**emoticons, **emoji}
        laughter = string_list(chat["laughter"], "tokens")
        phrases_en, phrases_fr = (float_table(chat["phrases"][k]) for k in ("en", "fr"))
        additions = {**float_table(chat["words"]["en"]), **emoji}
        additions.update({slug(p): v for p, v in phrases_en.items()})
        additions.update({e.lower(): v for e, v in emoticons.items()})
        self.english = EnglishScorer(additions, laughter)
        french = {**float_table(chat["words"]["fr"]), **{e.lower(): v for e, v in emotes.items()}}
        french.update({slug(p): v for p, v in phrases_fr.items()})
        self.french = FrenchScorer(french, laughter)
        lexicon = self.english.lexicon
        known = {*lexicon, *textblob_en.keys(), *textblob_fr.keys(), *french}
        rated = {w for w, v in lexicon.items() if abs(v) >= 1.0} | set(french)
        self.normaliser = ChatNormaliser(
            known_words=frozenset(known),
            emote_valence=emotes,
            shortcodes={str(k): str(v) for k, v in chat["shortcodes"].items()},
            phrases=[*phrases_en, *phrases_fr],
            emphasise=frozenset(rated),
        )
        self.sarcasm = SarcasmDetector(chat["sarcasm"], self.tokenize)
        self.language = LanguageDetector()

    def tokenize(self, text: str) -> tuple[str, ...]:
        """Tokens of a lexicon phrase, normalised exactly like a message."""
        return self.normaliser.normalise(text).tokens


class ToneAnalyzer:
    """Reads the tone of chat messages in English and French; build once, reuse for all."""

    def __init__(
        self,
        extra_hostile_terms: Iterable[str] = (),
        neutral_band: float = NEUTRAL_BAND,
        not_hostile_terms: Iterable[str] = (),
    ) -> None:
        """Load lexicons and models once, plus the community's own hostile/benign terms."""
        if not 0.0 <= neutral_band < 1.0:
            raise ValueError(f"neutral_band must be in [0, 1), got {neutral_band!r}")
        self._engine = _Engine()
        self._detector = HostilityDetector(
            extra_hostile_terms, not_hostile_terms, normaliser=self._engine.normaliser
        )
        self.neutral_band = neutral_band
        self.analyzer = ANALYZER

    def with_terms(
        self, extra_hostile_terms: Iterable[str] = (), not_hostile_terms: Iterable[str] = ()
    ) -> ToneAnalyzer:
        """An analyzer for another community's terms, sharing this one's loaded lexicons."""
        sibling = copy.copy(self)
        sibling._detector = self._detector.with_terms(extra_hostile_terms, not_hostile_terms)
        return sibling

    @property
    def components(self) -> str:
        """Versions of the libraries behind the scores, to store beside ``analyzer`` if wanted."""
        parts = []
        for name in _COMPONENTS:
            try:
                parts.append(f"{name} {metadata.version(name)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{name} ?")
        return f"{self.analyzer} ({', '.join(parts)})"

    def detect_language(self, text: str) -> str:
        """``en``, ``fr`` or ``unknown`` (too short or too mixed to tell)."""
        chat = self._engine.normaliser.normalise(text if isinstance(text, str) else "")
        return self._engine.language.detect(chat.tokens, chat.word_count)

    def read(
        self, text: str, default_language: str = ENGLISH, *, reply: bool = False
    ) -> ToneReading:
        """Tone of one message; ``reply`` says it answers someone (bare insults then count)."""
        engine = self._engine
        chat = engine.normaliser.normalise(text if isinstance(text, str) else "")
        detected = engine.language.detect(chat.tokens, chat.word_count)
        language = detected if detected != UNKNOWN else supported_language(default_language)
        scorer = engine.french if language == FRENCH else engine.english
        polarity = scorer.score(chat.text, chat.tokens)
        if engine.sarcasm.is_sarcastic(chat.tokens, scorer.is_negative_word):
            polarity = -max(abs(polarity), SARCASM_POLARITY)
        reasons = self._detector.reasons(
            chat.tokens,
            shouting=chat.shouting,
            negative=polarity < -self.neutral_band,
            reply=reply,
        )
        if reasons:
            polarity = min(polarity, -HOSTILE_POLARITY)
        polarity = round(clamp(polarity), 4)
        return ToneReading(
            polarity=polarity,
            label=label_for(polarity, self.neutral_band),
            hostile=bool(reasons),
            language=language,
            analyzer=self.analyzer,
            hostile_reasons=reasons,
        )

    def read_many(self, texts: Iterable[str], default_language: str = ENGLISH) -> list[ToneReading]:
        """Readings for many messages in order (same as calling :meth:`read` on each)."""
        return [self.read(text, default_language) for text in texts]
