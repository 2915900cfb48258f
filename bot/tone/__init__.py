"""Pulse's tone engine: per-message polarity and label, and hostility separate from negativity.

Platform-free and pure: build one :class:`ToneAnalyzer` (it loads its lexicons once) and call
:meth:`ToneAnalyzer.read` per message. See ``bench/tone.py`` for how it is measured.
"""

from bot.tone.analyzer import (
    ANALYZER,
    ANALYZER_NAME,
    ANALYZER_VERSION,
    LABELS,
    NEGATIVE,
    NEGATIVE_THRESHOLD,
    NEUTRAL,
    NEUTRAL_BAND,
    POSITIVE,
    POSITIVE_THRESHOLD,
    ToneAnalyzer,
    ToneReading,
    label_for,
)
from bot.tone.hostility import HostilityDetector
from bot.tone.language import UNKNOWN, LanguageDetector

__all__ = [
    "ANALYZER",
    "ANALYZER_NAME",
    "ANALYZER_VERSION",
    "LABELS",
    "NEGATIVE",
    "NEGATIVE_THRESHOLD",
    "NEUTRAL",
    "NEUTRAL_BAND",
    "POSITIVE",
    "POSITIVE_THRESHOLD",
    "UNKNOWN",
    "HostilityDetector",
    "LanguageDetector",
    "ToneAnalyzer",
    "ToneReading",
    "label_for",
]
