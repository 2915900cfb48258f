"""Signals that a reply helped: thank-you messages and reactions, accepted-answer marks.

The chat wiring uses these to pass ``thanked`` and ``accepted`` to
:meth:`ExpertiseIndex.record_answer`; the benchmark uses them on Slack exports.
"""

from __future__ import annotations

import re

from bot.expertise.text import fold, strip_markup

_THANKS = re.compile(
    r"\b(?:thanks?|thx|thnx|tx|ty|tyvm|thank\s*you|cheers|much\s+appreciated|"
    r"merci|mercii+|cimer|remerci\w*|that\s+(?:helped|worked|did\s+it)|"
    r"(?:ca|cela)\s+marche|ca\s+a\s+marche|it\s+works)\b"
)
_NOT_THANKS = re.compile(r"\b(?:no\s+thanks?|non\s+merci|thanks\s+but\s+no)\b")

THANKS_REACTIONS = frozenset(
    {
        "pray",
        "folded_hands",
        "raised_hands",
        "heart",
        "hearts",
        "+1",
        "thumbsup",
        "thumbs_up",
        "clap",
        "tada",
        "star_struck",
        "100",
        "🙏",
        "🙌",
        "❤️",
        "❤",
        "👍",
        "👏",
        "🎉",
        "💯",
    }
)
"""Reaction names (Slack) and emoji (Discord) that say "thank you"."""

ACCEPT_REACTIONS = frozenset(
    {
        "white_check_mark",
        "heavy_check_mark",
        "ballot_box_with_check",
        "check",
        "solved",
        "accepted",
        "✅",
        "✔️",
        "✔",
        "☑️",
    }
)
"""Reactions that mark a reply as the answer (a forum's "solved" is passed directly)."""


def is_thanks(text: str) -> bool:
    """True when a message thanks someone ("thanks!", "merci beaucoup", "that worked")."""
    prose = fold(strip_markup(text)).replace("’", "'")
    return bool(_THANKS.search(prose)) and not _NOT_THANKS.search(prose)


def reaction_name(emoji: str) -> str:
    """Reaction without colons or skin tone: ``:+1::skin-tone-2:`` gives ``+1``."""
    return emoji.strip().strip(":").split("::", 1)[0]


def is_thanks_reaction(emoji: str) -> bool:
    """True for a reaction that thanks its author."""
    return reaction_name(emoji) in THANKS_REACTIONS


def is_accept_reaction(emoji: str) -> bool:
    """True for a reaction that marks a reply as the answer."""
    return reaction_name(emoji) in ACCEPT_REACTIONS
