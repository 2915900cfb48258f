"""Hostility: messages that attack people (insults, slurs, contempt, threats, shouting at someone).

Hostility is not negativity. "This build is garbage", "the export doesn't work", "great, it
crashed again 🙄" are complaints and stay out of alerts; "you're a clown", "shut up",
"I'll break your legs", a slur, or capitals hurled at someone are attacks. Insults count
only when aimed at a person (see :mod:`bot.tone.grammar`); contempt phrases said to a thing
("fuck you webpack") are frustration, not attacks. Lexicons are data files
(``lexicon_en.toml``, ``lexicon_fr.toml``); communities add their own hostile terms and
their own "not hostile" phrases.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.tone.chat import MENTION, ChatNormaliser
from bot.tone.grammar import (
    EDGE_PUNCTUATION,
    Grammar,
    aimed_insult,
    build_grammar,
    exclaimed_insult,
    said_to_a_thing,
    threat,
    vocative_insult,
)
from bot.tone.phrases import PhraseMatcher
from bot.tone.resources import load_toml, string_list

Tokenizer = Callable[[str], Sequence[str]]

LEXICON_FILES = ("lexicon_en.toml", "lexicon_fr.toml")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
_LEET_WORD = re.compile(r"(?<!\S)(?=\S*[a-z])(?=\S*[0-9$])[a-z0-9$]+(?!\S)")
_HAS_LEET = re.compile(r"[0-9$]")


@dataclass(frozen=True, slots=True)
class _Phrases:
    """Compiled phrase lists shared by every detector built from the same lexicons."""

    contempt: PhraseMatcher
    imperatives: PhraseMatcher
    leads: frozenset[str]
    threats: PhraseMatcher
    slurs: PhraseMatcher
    benign: PhraseMatcher
    variants: Mapping[str, str]


def load_lexicons(tokenize: Tokenizer) -> tuple[tuple[Grammar, ...], _Phrases]:
    """Read the English and French lexicon files once and compile them for ``tokenize``."""
    markers = load_toml("language.toml")
    function_words = [w for lang in ("en", "fr") for w in string_list(markers[lang], "markers")]
    grammars: list[Grammar] = []
    contempt: list[str] = []
    imperatives: list[str] = []
    leads: list[str] = []
    threats: list[str] = []
    slurs: list[str] = []
    benign: list[str] = []
    variants: dict[str, str] = {}
    for name in LEXICON_FILES:
        data = load_toml(name)
        grammars.append(build_grammar(data, tokenize, function_words))
        contempt += string_list(data["contempt"], "phrases")
        imperatives += string_list(data["contempt"], "imperatives")
        leads += string_list(data["contempt"], "leads")
        threats += string_list(data["threats"], "phrases")
        slurs += string_list(data["slurs"], "terms")
        benign += string_list(data["benign"], "phrases")
        variants.update({str(k): str(v) for k, v in data.get("variants", {}).items()})
    phrases = _Phrases(
        contempt=PhraseMatcher(contempt, tokenize),
        imperatives=PhraseMatcher(imperatives, tokenize),
        leads=frozenset(t for lead in leads for t in tokenize(lead)),
        threats=PhraseMatcher(threats, tokenize),
        slurs=PhraseMatcher(slurs, tokenize),
        benign=PhraseMatcher(benign, tokenize),
        variants=variants,
    )
    return tuple(grammars), phrases


class HostilityDetector:
    """Finds attacks on people in chat messages; lexicons are compiled once and shared.

    ``extra_terms`` are a community's own hostile words or phrases (flagged wherever they
    appear); ``not_hostile_terms`` are phrases its moderators marked as harmless (blanked
    before matching), the hook for "this alert was wrong" feedback.
    """

    def __init__(
        self,
        extra_terms: Iterable[str] = (),
        not_hostile_terms: Iterable[str] = (),
        *,
        normaliser: ChatNormaliser | None = None,
    ) -> None:
        """Compile both lexicons and the community's terms with the given chat normaliser."""
        self._normaliser = normaliser or ChatNormaliser((), {}, {}, ())
        self._grammars, self._phrases = load_lexicons(self._tokenize)
        self._set_terms(extra_terms, not_hostile_terms)

    def _tokenize(self, text: str) -> tuple[str, ...]:
        """Tokens of a lexicon phrase, normalised exactly like messages."""
        return self._normaliser.normalise(text).tokens

    def _set_terms(self, extra_terms: Iterable[str], not_hostile_terms: Iterable[str]) -> None:
        """Compile the community's terms and the cheap pre-check vocabulary."""
        self.extra_terms = tuple(extra_terms)
        self.not_hostile_terms = tuple(not_hostile_terms)
        self._extra = PhraseMatcher(self.extra_terms, self._tokenize)
        self._not_hostile = PhraseMatcher(self.not_hostile_terms, self._tokenize)
        phrases = self._phrases
        self._triggers = frozenset().union(
            self._extra.needles,
            phrases.slurs.needles,
            phrases.threats.needles,
            phrases.contempt.needles,
            phrases.imperatives.needles,
            *(g.nouns | g.predicates | g.threat_verbs | g.body_verbs for g in self._grammars),
        )
        self._variant_keys = frozenset(phrases.variants)

    def with_terms(
        self, extra_terms: Iterable[str] = (), not_hostile_terms: Iterable[str] = ()
    ) -> HostilityDetector:
        """A detector with another community's terms that shares the compiled lexicons."""
        sibling = copy.copy(self)
        sibling._set_terms(extra_terms, not_hostile_terms)
        return sibling

    def detect(self, text: str, *, reply: bool = False) -> tuple[str, ...]:
        """Reasons why a raw message is hostile (shouting needs sentiment: see ToneAnalyzer)."""
        chat = self._normaliser.normalise(text if isinstance(text, str) else "")
        return self.reasons(chat.tokens, reply=reply)

    def reasons(
        self,
        tokens: Sequence[str],
        *,
        shouting: bool = False,
        negative: bool = False,
        reply: bool = False,
    ) -> tuple[str, ...]:
        """Why the message is hostile (e.g. ``("insult:idiot",)``); empty when it is not."""
        words, text = self._prepare(tokens)
        vocabulary = frozenset(words)
        found: list[str] = []
        if not self._triggers.isdisjoint(vocabulary):
            for kind, matcher in (
                ("custom", self._extra),
                ("slur", self._phrases.slurs),
                ("threat", self._phrases.threats),
            ):
                phrase = matcher.find(vocabulary, text)
                if phrase:
                    found.append(f"{kind}:{phrase}")
            found += self._contempt(vocabulary, text)
            for grammar in self._grammars:
                found += self._grammar_reasons(grammar, words, vocabulary, reply)
        if shouting and negative and self._addressed(vocabulary):
            found.append("shouting")
        return tuple(dict.fromkeys(found))

    def _contempt(self, vocabulary: frozenset[str], text: str) -> list[str]:
        """Contempt said to a person; "fuck you webpack" is said to a thing, and an
        imperative ("shut up") must open a clause: "tell him to shut up" is reported speech."""
        phrases = self._phrases
        for matcher, opening in ((phrases.contempt, False), (phrases.imperatives, True)):
            for phrase, before, after in matcher.matches(vocabulary, text):
                if opening and not (
                    before in ("", MENTION) or before in EDGE_PUNCTUATION or before in phrases.leads
                ):
                    continue
                if not all(said_to_a_thing(g, after) for g in self._grammars):
                    return [f"contempt:{phrase}"]
        return []

    def _prepare(self, tokens: Sequence[str]) -> tuple[list[str], str]:
        """Fold spelling variants and leetspeak, then blank out benign and community phrases."""
        variants = self._phrases.variants
        words = list(tokens)
        if not self._variant_keys.isdisjoint(words):
            words = [variants.get(t, t) for t in words]
        text = " ".join(words)
        if _HAS_LEET.search(text):
            text = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), text)
            words = [variants.get(t, t) for t in text.split()]
            text = " ".join(words)
        for matcher in (self._phrases.benign, self._not_hostile):
            blanked = matcher.blank(words, text)
            if blanked is not text:
                text, words = blanked, blanked.split()
        return words, text

    @staticmethod
    def _grammar_reasons(
        grammar: Grammar, words: Sequence[str], vocabulary: frozenset[str], reply: bool
    ) -> list[str]:
        """Aimed insults and threats under one language's grammar (skipped without cue words)."""
        found = []
        if not (grammar.nouns.isdisjoint(vocabulary) and grammar.predicates.isdisjoint(vocabulary)):
            insult = (
                aimed_insult(grammar, words)
                or exclaimed_insult(grammar, words)
                or vocative_insult(grammar, words, reply)
            )
            if insult:
                found.append(f"insult:{insult}")
        verbs = grammar.threat_verbs | grammar.body_verbs
        verb = None if verbs.isdisjoint(vocabulary) else threat(grammar, words)
        if verb:
            found.append(f"threat:{verb}")
        return found

    def _addressed(self, vocabulary: frozenset[str]) -> bool:
        """Whether the message speaks to someone with "you"/"tu" (a mention alone is not enough)."""
        return any(not (g.second_person - {MENTION}).isdisjoint(vocabulary) for g in self._grammars)
