"""Chat normalisation: turn a raw Slack/Discord message into text and tokens fit for scoring.

Code, URLs, markup and invisible characters carry no tone and are removed; mentions become
one canonical ``@user`` token; shortcodes become emoji; elongated words ("soooo") are folded
back to a known spelling; emoji and emoticons become separate tokens; contractions and
French elisions are split the way the sentiment lexicons expect ("do" "n't", "c'" "est").
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

MAX_CHARS = 5_000
"""Longer messages are cut here so that one huge paste cannot stall the event loop."""

MENTION = "@user"
"""The token every mention (Slack, Discord, plain ``@name``) is rewritten to."""

SHOUT_MIN_WORDS = 3
SHOUT_MIN_SHARE = 0.8
"""A message shouts when at least this many words, and this share of them, are in capitals."""

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f]"
)
_FENCED_CODE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_DISCORD_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_DISCORD_TIME = re.compile(r"<t:-?\d+(?::\w)?>")
_MARKUP = re.compile(r"<([@#!][^<>\n]*|(?:https?|mailto|ftp):[^<>|\s]*(?:\|[^<>\n]*)?)>")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\((?:https?://|www\.)[^)\s]*\)")
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.I)
_AT_NAME = re.compile(r"@\w+(?:[.\-]\w+)*")
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):(?::skin-tone-\d:)?")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": " "})
_ELONGATED = re.compile(r"\w*([^\W\d_])\1\1\w*")
_TRIPLE_LETTER = re.compile(r"([^\W\d_])\1\1")
_RUN_TO_TWO = re.compile(r"([^\W\d_])\1{2,}")
_EMOJI_CHARS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"

# Contractions written without an apostrophe, split like "do" + "n't" for the negation rules.
_BARE_NEGATIONS = {
    "dont": "do",
    "doesnt": "does",
    "didnt": "did",
    "isnt": "is",
    "arent": "are",
    "wasnt": "was",
    "werent": "were",
    "cant": "ca",
    "couldnt": "could",
    "wouldnt": "would",
    "shouldnt": "should",
    "wont": "wo",
    "aint": "ai",
    "havent": "have",
    "hasnt": "has",
    "hadnt": "had",
}
_BARE_NEGATION_SET = frozenset(_BARE_NEGATIONS)
_WORD_START = re.compile(r"(?<![\w'*\-])[^\W\d_]")
_UPPER_PAIR = re.compile(r"[A-ZÀ-ÖØ-Þ]{2}")
_LONG_WORD = re.compile(r"(?<![@\w])[^\W\d_]{2,}")
_EN_CLITICS = ("'re", "'m", "'s", "'ll", "'ve", "'d")
_FR_ELISIONS = frozenset(
    {"l", "d", "j", "t", "m", "s", "n", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)


@dataclass(frozen=True, slots=True)
class ChatText:
    """A message made ready for scoring: cleaned text, lower-case tokens and chat signals."""

    text: str
    tokens: tuple[str, ...]
    emotes: tuple[str, ...]
    shouting: bool
    mentions: int
    word_count: int


def slug(phrase: str) -> str:
    """The single token a multi-word chat phrase is rewritten to (e.g. ``doesnt_work``)."""
    return re.sub(r"\W+", "_", phrase.lower().replace("'", "")).strip("_")


def _needle(phrase: str) -> str:
    """The longest apostrophe-free word of a phrase: present in any text that holds it."""
    words = [w for w in phrase.lower().split() if "'" not in w] or [phrase.lower()]
    return max(words, key=len)


def _guarded(literals: Collection[str]) -> str:
    """A regex alternation of literals behind a one-character look-ahead on their first letters.

    Python's ``re`` tries every alternative at every position; the look-ahead lets the
    common case (a letter or space that starts no literal) fail at once.
    """
    if not literals:
        return "(?!)"
    ordered = sorted(literals, key=len, reverse=True)
    firsts = re.escape("".join(sorted({item[0] for item in ordered})))
    return rf"(?=[{firsts}])(?:{'|'.join(re.escape(item) for item in ordered)})"


def _phrase_groups(phrases: Collection[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Phrases grouped under a "needle" (their longest apostrophe-free word, lower case).

    A group's pattern only runs when the message contains its needle, so the many
    phrases cost one substring test each instead of a large regex alternation.
    """
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        groups.setdefault(_needle(phrase), []).append(phrase)
    compiled = []
    for needle, members in sorted(groups.items()):
        ordered = sorted(members, key=len, reverse=True)
        alternatives = "|".join(re.escape(p).replace("'", "'?") for p in ordered)
        compiled.append((needle, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)))
    return tuple(compiled)


def split_token(token: str) -> tuple[str, ...]:
    """Split a lower-case word into the pieces the lexicons expect ("don't" -> "do", "n't")."""
    if "'" not in token:
        stem = _BARE_NEGATIONS.get(token)
        return (token,) if stem is None else (stem, "n't")
    elisions: list[str] = []
    head, _, rest = token.partition("'")
    while head in _FR_ELISIONS and rest:  # "qu'il", "jusqu'à", even "t't't'"
        elisions.append(head + "'")
        token = rest
        head, _, rest = token.partition("'")
    if elisions:
        return (*elisions, *split_token(token))
    if head in _FR_ELISIONS or not rest:
        return (token,) if head in _FR_ELISIONS else (head,)
    if token.endswith("n't") and len(token) > 3:
        return (token[:-3], "n't")
    for clitic in _EN_CLITICS:
        if token.endswith(clitic) and len(token) > len(clitic):
            return (token[: -len(clitic)], clitic)
    return (token,)


def _shouting(text: str) -> bool:
    """Whether most words of the message are written in capitals (cheap when they are not)."""
    if not _UPPER_PAIR.search(text):
        return False
    words = _LONG_WORD.findall(text)
    capitals = sum(word.isupper() for word in words)
    return len(words) >= SHOUT_MIN_WORDS and capitals >= SHOUT_MIN_SHARE * len(words)


def _strip_noise(text: str) -> str:
    """Remove what carries no tone: invisible characters, code, links, markup, e-mails."""
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if "`" in text:
        text = _INLINE_CODE.sub(" ", _FENCED_CODE.sub(" ", text))
    if "<" in text:
        text = _DISCORD_EMOJI.sub(r" :\1: ", text)
        text = _MARKUP.sub(_markup_replacement, _DISCORD_TIME.sub(" ", text))
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "@" in text:
        text = _AT_NAME.sub(_at_replacement, text)
    return text.translate(_APOSTROPHES)


def _at_replacement(match: re.Match[str]) -> str:
    """``@name`` is a mention; ``x@domain`` is an e-mail address, whose domain is dropped."""
    start = match.start()
    before = match.string[start - 1] if start else " "
    if before.isalnum() or before in "._+-@":
        return " "
    return " " + MENTION + " "


def _markup_replacement(match: re.Match[str]) -> str:
    """Slack/Discord ``<...>`` markup: mentions to ``@user``, links to their label, no channels."""
    inner = match.group(1)
    _, bar, label = inner.partition("|")
    if inner[0] == "@" or inner.startswith(("!channel", "!here", "!everyone", "!subteam")):
        return " " + MENTION + " "
    if inner.startswith("!date") and bar:
        return " " + label + " "
    # A channel's name ("#support", "#random") says where, not how the writer feels.
    return " " + label + " " if bar and inner[0] not in "!#" else " "


class ChatNormaliser:
    """Prepares messages for scoring; built once with the vocabulary it must recognise."""

    def __init__(
        self,
        known_words: Collection[str],
        emote_valence: Mapping[str, float],
        shortcodes: Mapping[str, str],
        phrases: Collection[str],
        emphasise: Collection[str] = (),
    ) -> None:
        """Compile the patterns for this vocabulary (emoticons, phrases) once."""
        self._known = known_words
        self._emphasise = emphasise
        self._shortcodes = dict(shortcodes)
        self._emotes = dict(emote_valence)
        ascii_emotes = [e for e in emote_valence if e.isascii()]
        wordy = _guarded([e for e in ascii_emotes if e[0].isalnum()])
        symbolic = _guarded([e for e in ascii_emotes if not e[0].isalnum()])
        self._emote_re = re.compile(rf"(?:(?<!\w){wordy}|{symbolic})(?!\w)|[{_EMOJI_CHARS}]")
        self._emote_hint = re.compile(rf"[{_EMOJI_CHARS}]|{wordy}|{symbolic}")
        self._phrase_groups = _phrase_groups(phrases)
        lower_emotes = {e.lower() for e in ascii_emotes if not e[0].isalnum()}
        self._token_re = re.compile(
            r"\w+(?:(?:['\-]|\*+)\w+)*'?"
            rf"|{MENTION}|(?<!\w)/s(?!\w)|{_guarded(lower_emotes)}(?!\w)|[{_EMOJI_CHARS}]|[^\w\s]"
        )

    def normalise(self, raw: str) -> ChatText:
        """Clean one message and split it into scoring tokens; never raises on odd input."""
        emotes: list[str] = []
        text = _strip_noise(raw)
        if ":" in text:
            text = _SHORTCODE.sub(self._shortcode_replacement, text)
        if _TRIPLE_LETTER.search(text):
            text = _ELONGATED.sub(self._unelongate, text)
        lowered = text.lower()
        for needle, pattern in self._phrase_groups:
            if needle in lowered:
                text = pattern.sub(lambda m: " " + slug(m.group()) + " ", text)
        if self._emote_hint.search(text):
            text = self._emote_re.sub(lambda m: self._keep_emote(m.group(), emotes), text)
        found: list[str] = self._token_re.findall(text.lower())
        if "'" in text or not _BARE_NEGATION_SET.isdisjoint(found):
            tokens = tuple(piece for token in found for piece in split_token(token))
        else:
            tokens = tuple(found)
        words = len(_WORD_START.findall(text))
        cleaned = " ".join(text.split())
        return ChatText(
            cleaned, tokens, tuple(emotes), _shouting(text), found.count(MENTION), words
        )

    def _shortcode_replacement(self, match: re.Match[str]) -> str:
        """``:joy:`` to its emoji; unknown shortcodes (custom emoji) are dropped, times kept."""
        name = match.group(1)
        if name in self._shortcodes:
            return " " + self._shortcodes[name] + " "
        return " " if any(char.isalpha() for char in name) else match.group()

    def _keep_emote(self, emote: str, found: list[str]) -> str:
        """Keep a known emoji/emoticon as a spaced token and record it; drop unknown emoji."""
        if emote in self._emotes:
            found.append(emote.lower())
            return " " + emote + " "
        return " "

    def _unelongate(self, match: re.Match[str]) -> str:
        """Fold "soooo"/"gooood" back to a known word; mark emphasis on rated words with "!"."""
        word = match.group()
        double, single = _RUN_TO_TWO.sub(r"\1\1", word), _RUN_TO_TWO.sub(r"\1", word)
        for candidate in (double, single):
            if candidate.lower() in self._emphasise:
                return candidate + " !"
        return single if single.lower() in self._known else double
