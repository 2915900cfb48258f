"""Who an insult or threat is aimed at: the small grammar behind hostility detection.

A word list cannot tell "you're a clown" from "this UI is a clown show" or "I'm such an
idiot". These rules, run over lower-case tokens, accept an insult only when it is aimed at
a person: after a target ("you", a mention, "he", "the devs") with only filler words between,
in a clause-initial exclamation ("what an idiot", "quel con"), as a form of address ("stupid
idiot!", "read the docs, idiot") or as a bare reply. Threats need a person as object and a
first-person subject. Word classes come from ``lexicon_en.toml`` and ``lexicon_fr.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.tone.chat import MENTION
from bot.tone.resources import string_list

Tokenizer = Callable[[str], Sequence[str]]

MAX_FILLERS = 5
"""How many filler words may separate a target from the insult ("you are such a total idiot")."""
CONTEXT_WINDOW = 4
"""How far before a threat verb or exclamation a subject, negation or "I'm" is looked for."""
BARE_REPLY_WORDS = 4
"""A reply this short that consists of an insult noun is an attack on the person replied to."""
MAX_LEAD_WORDS = 3
"""Adjectives allowed before an insult used as a form of address ("stupid fat idiot!")."""

EDGE_PUNCTUATION = frozenset({",", ".", "!", "?", ":", ";", "…", "·"})


@dataclass(frozen=True, slots=True)
class Grammar:
    """One language's word classes for aimed insults and threats (see the lexicon files)."""

    second_person: frozenset[str]
    persons: frozenset[str]
    ambiguous: frozenset[str]
    fillers: frozenset[str]
    negations: frozenset[str]
    first_person: frozenset[str]
    exclamations: Mapping[str, tuple[tuple[str, ...], ...]]
    continuations: frozenset[str]
    nouns: frozenset[str]
    predicates: frozenset[str]
    threat_verbs: frozenset[str]
    body_verbs: frozenset[str]
    threat_objects: frozenset[str]
    possessives: frozenset[str]
    body: frozenset[str]
    subjects: frozenset[str]


def _words(table: Mapping[str, Any], key: str) -> frozenset[str]:
    """A word list from the lexicon as a frozen set."""
    return frozenset(string_list(table, key))


def _by_first_word(shapes: Iterable[Sequence[str]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Index token sequences by their first token, for one dict lookup per message token."""
    index: dict[str, tuple[tuple[str, ...], ...]] = {}
    for shape in shapes:
        if shape:
            index[shape[0]] = (*index.get(shape[0], ()), tuple(shape))
    return index


def build_grammar(
    data: Mapping[str, Any], tokenize: Tokenizer, function_words: Iterable[str]
) -> Grammar:
    """A :class:`Grammar` from one parsed lexicon file (plus both languages' function words)."""
    targets, grammar, insults, threats = (
        data[key] for key in ("targets", "grammar", "insults", "threats")
    )
    nouns = _words(insults, "nouns")
    exclamations = _by_first_word(tokenize(e) for e in string_list(grammar, "exclamations"))
    second_person = _words(targets, "second_person")
    persons = _words(targets, "persons")
    return Grammar(
        second_person=second_person,
        persons=persons,
        ambiguous=_words(targets, "ambiguous"),
        fillers=_words(grammar, "fillers"),
        negations=_words(grammar, "negations"),
        first_person=_words(grammar, "first_person"),
        exclamations=exclamations,
        continuations=_words(grammar, "continuations").union(
            function_words, second_person, persons, nouns, _words(grammar, "fillers"), exclamations
        ),
        nouns=nouns,
        predicates=_words(insults, "predicates"),
        threat_verbs=_words(threats, "verbs"),
        body_verbs=_words(threats, "body_verbs"),
        threat_objects=_words(threats, "objects"),
        possessives=_words(threats, "possessives"),
        body=_words(threats, "body"),
        subjects=_words(threats, "subjects"),
    )


def _near(words: frozenset[str], tokens: Sequence[str], start: int, stop: int) -> bool:
    """Whether any of ``words`` occurs in ``tokens[start:stop]`` (bounds clipped)."""
    return any(t in words for t in tokens[max(0, start) : max(0, stop)])


def _clause_starts(tokens: Sequence[str]) -> Iterable[int]:
    """Indexes that open a clause: the first token, or one after punctuation or a mention."""
    for index, token in enumerate(tokens):
        opens = index == 0 or tokens[index - 1] in EDGE_PUNCTUATION or tokens[index - 1] == MENTION
        if opens and token not in EDGE_PUNCTUATION:
            yield index


def aimed_insult(g: Grammar, tokens: Sequence[str]) -> str | None:
    """An insult predicated of a target: "you are a clown", "@user idiot", "the devs are morons"."""
    both = g.nouns | g.predicates
    for index, token in enumerate(tokens):
        if token in g.second_person or token in g.persons:
            accepted = both
        elif token in g.ambiguous:
            accepted = g.nouns
        else:
            continue
        negated = False
        for word in tokens[index + 1 : index + 2 + MAX_FILLERS]:
            if word in accepted:
                if not negated:
                    return word
                break
            if word in g.negations:
                negated = True
            elif word not in g.fillers:
                break
    return None


def exclaimed_insult(g: Grammar, tokens: Sequence[str]) -> str | None:
    """A clause-initial "What an idiot", "quel con", "espèce d'abruti" (not "I'm such an idiot")."""
    for index in _clause_starts(tokens):
        for shape in g.exclamations.get(tokens[index], ()):
            if tuple(tokens[index : index + len(shape)]) != shape:
                continue
            rest = index + len(shape)
            lead = (g.fillers | g.predicates) - g.nouns  # "what a pathetic loser"
            noun = next((w for w in tokens[rest : rest + 4] if w not in lead), None)
            if noun in g.nouns and not _near(g.first_person, tokens, index, rest + 4):
                return noun
    return None


def vocative_insult(g: Grammar, tokens: Sequence[str], reply: bool) -> str | None:
    """An insult used to address someone ("Idiot, read the docs", "stupid idiot!") or as a reply."""
    words = [t for t in tokens if t not in EDGE_PUNCTUATION]
    if not words or _near(g.first_person, words, 0, len(words)):
        return None
    lead = (g.predicates | g.fillers) - g.nouns
    for start in _clause_starts(tokens):
        index = start
        while index < len(tokens) and index - start < MAX_LEAD_WORDS and tokens[index] in lead:
            index += 1
        if index == len(tokens) or tokens[index] not in g.nouns:
            continue
        ends_clause = index + 1 == len(tokens) or tokens[index + 1] in EDGE_PUNCTUATION
        led = index > start  # an adjective before the noun makes it address-like
        if ends_clause and (led or len(words) > 1):
            return tokens[index]
    if reply and len(words) <= BARE_REPLY_WORDS:
        return next((w for w in words if w in g.nouns), None)
    return None


def threat(g: Grammar, tokens: Sequence[str]) -> str | None:
    """A threat verb with a person as object and a first-person subject, not negated."""
    for index, token in enumerate(tokens):
        if token not in g.threat_verbs and token not in g.body_verbs:
            continue
        after = tokens[index + 1 : index + 3]
        aimed = len(after) == 2 and after[0] in g.possessives and after[1] in g.body
        if token in g.threat_verbs and after and after[0] in g.threat_objects:
            aimed = True
        before = index - 1
        if not aimed and before >= 0 and tokens[before] in g.threat_objects:
            aimed, before = True, before - 1  # French clitic object: "je vais te tuer"
        if not aimed:
            continue
        start = before + 1 - CONTEXT_WINDOW
        if _near(g.subjects, tokens, start, before + 1) and not _near(
            g.negations, tokens, start, before + 1
        ):
            return token
    return None


def said_to_a_thing(g: Grammar, following: str) -> bool:
    """Whether a contempt phrase is followed by a content word ("fuck you webpack")."""
    return following[:1].isalpha() and following not in g.continuations
