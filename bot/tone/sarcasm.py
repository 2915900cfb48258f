"""Narrow sarcasm cues for chat ("oh great, it crashed again", "thanks for breaking prod").

Lexicon scorers read "great" and "thanks" as praise; in these shapes they are the opposite.
The rules are deliberately narrow (explicit markers, or praise plus a negative word plus a
repetition word) so that sincere thanks for a fix are never turned negative.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

Tokenizer = Callable[[str], Sequence[str]]

IRONY_WINDOW = 3
"""How many words after "thanks for"/"love how" may hold the negative word."""

_PUNCTUATION = frozenset({",", ".", "!", ":", "-", "…", ";"})


def _alternation(phrases: Sequence[str]) -> str:
    """One regex alternation of space-joined token phrases, longest first."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True) if p)


class SarcasmDetector:
    """Flags sarcastic praise in a token list; cue lists come from ``chat_lexicon.toml``."""

    def __init__(self, cues: Mapping[str, Sequence[str]], tokenize: Tokenizer) -> None:
        """Tokenise the cue phrases the same way messages are tokenised, and compile them."""

        def joined(key: str) -> list[str]:
            """The cue phrases under ``key`` as space-joined token strings."""
            return [" ".join(tokenize(phrase)) for phrase in cues.get(key, ())]

        self._strong = re.compile(rf" (?:{_alternation(joined('strong')) or '(?!)'}) ")
        self._opener = re.compile(rf"^ (?:{_alternation(joined('openers')) or '(?!)'}) (\S+)(.*)$")
        self._repetition = re.compile(rf" (?:{_alternation(joined('repetition')) or '(?!)'}) ")
        self._ironic = re.compile(rf" (?:{_alternation(joined('ironic_praise')) or '(?!)'})(?= )")

    def is_sarcastic(self, tokens: Sequence[str], is_negative: Callable[[str], bool]) -> bool:
        """True when the message carries a sarcasm marker or sarcastic praise of a failure."""
        if not tokens:
            return False
        text = " " + " ".join(tokens) + " "
        if self._strong.search(text):
            return True
        opener = self._opener.match(text)
        if opener and opener.group(1) in _PUNCTUATION:
            rest = opener.group(2)
            if self._repetition.search(rest) and any(map(is_negative, rest.split())):
                return True
        for match in self._ironic.finditer(text):
            following = text[match.end() :].split()[:IRONY_WINDOW]
            if any(map(is_negative, following)):
                return True
        return False
