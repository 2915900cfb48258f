"""Whole-token phrase matching over space-joined token strings, with a cheap pre-check.

Lexicons hold hundreds of phrases; running one big regex alternation over every message
costs more than the sentiment scoring itself. Each matcher first checks, with one set
operation, that the message contains the longest (rarest) token of at least one phrase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

Tokenizer = Callable[[str], Sequence[str]]


class PhraseMatcher:
    """Finds any of a set of token phrases in a token list (``("shut", "up")`` in "... shut up")."""

    def __init__(self, phrases: Iterable[str], tokenize: Tokenizer) -> None:
        """Tokenise the phrases like messages are tokenised and compile one pattern."""
        tokenized = {tuple(tokenize(p)) for p in phrases}
        tokenized.discard(())
        self.needles = frozenset(max(reversed(t), key=len) for t in tokenized)
        joined = sorted((" ".join(t) for t in tokenized), key=len, reverse=True)
        alternatives = "|".join(re.escape(p) for p in joined)
        self._pattern = re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)") if alternatives else None

    def __bool__(self) -> bool:
        """True when the matcher holds at least one phrase."""
        return self._pattern is not None

    def find(self, words: Collection[str], text: str) -> str | None:
        """The first phrase in ``text`` (``words`` joined by spaces), or None."""
        if self._pattern is None or self.needles.isdisjoint(words):
            return None
        match = self._pattern.search(text)
        return match.group() if match else None

    def matches(self, words: Collection[str], text: str) -> Iterator[tuple[str, str, str]]:
        """Each phrase found in ``text`` with the tokens just before and after it ("" if none)."""
        if self._pattern is None or self.needles.isdisjoint(words):
            return
        for match in self._pattern.finditer(text):
            before = text[: match.start()].rsplit(maxsplit=1)
            after = text[match.end() :].split(maxsplit=1)
            yield match.group(), before[-1] if before else "", after[0] if after else ""

    def blank(self, words: Collection[str], text: str, filler: str = "·") -> str:
        """``text`` with every phrase replaced by one ``filler`` token."""
        if self._pattern is None or self.needles.isdisjoint(words):
            return text
        return self._pattern.sub(filler, text)
