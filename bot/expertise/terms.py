"""Topic terms: what a message is about, as term weights rather than text.

A message becomes a small bag of derived terms: content words (stopwords removed, lightly
stemmed, accents folded), bigrams of neighbouring content words, its tags and its channel
(``#name``). Only these weights are kept about a message, never its text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable

from bot.expertise.stopwords import STOPWORDS
from bot.expertise.text import fold, strip_markup

MAX_TERMS = 48
"""A message keeps at most this many terms (the heaviest), so long posts stay cheap."""
BIGRAM_WEIGHT = 0.5
"""A bigram is rarer and more precise than a word, but it repeats the words' evidence."""
TAG_WEIGHT = 2.0
"""A tag is chosen by the author to say what the post is about: it weighs twice a word."""
CHANNEL_WEIGHT = 1.0
"""The channel says where the topic lives, as much as one word does."""

_TOKEN = re.compile(r"[^\W_](?:[\w'+#]|[.\-](?=[^\W_]))*[+#]*")
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"\n]+")
_ELISION = re.compile(r"^(?:l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)'")
_DOUBLED = re.compile(r"([bdfgklmnprtz])\1$")


def topic_terms(
    text: str, *, tags: Iterable[str] = (), channel: str | None = None
) -> dict[str, float]:
    """Weighted topic terms of a message: words, bigrams, tags and ``#channel``."""
    weights: Counter[str] = Counter()
    for clause in _CLAUSE.split(strip_markup(text)):
        words = content_words(clause)
        weights.update(words)
        weights.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    terms = {term: _damped(count, term) for term, count in weights.items()}
    for tag in tags:
        for term in tag_terms(tag):
            terms[term] = terms.get(term, 0.0) + TAG_WEIGHT
    if channel:
        name = channel_term(channel)
        if name:
            terms[name] = terms.get(name, 0.0) + CHANNEL_WEIGHT
    return _heaviest(terms, MAX_TERMS)


def content_words(text: str) -> list[str]:
    """The content words of a piece of prose, normalised, in order."""
    return [term for term, _ in _content_pairs(text)]


def term_labels(text: str, *, tags: Iterable[str] = ()) -> dict[str, str]:
    """Readable label of each term, as written in this text: "configur" -> "configuring".

    Terms are stems; explanations show them to people, so the wording of the message
    being answered (or of the topic asked about) gives them back their surface form.
    """
    labels: dict[str, str] = {}
    for tag in tags:
        pairs = _content_pairs(tag.replace("-", " ").replace("_", " "))
        for term, surface in pairs:
            labels.setdefault(term, surface)
        if len(pairs) > 1:
            labels.setdefault(" ".join(term for term, _ in pairs), tag.casefold())
    for clause in _CLAUSE.split(strip_markup(text)):
        pairs = _content_pairs(clause)
        for term, surface in pairs:
            labels.setdefault(term, surface)
        for (a, surface_a), (b, surface_b) in itertools.pairwise(pairs):
            labels.setdefault(f"{a} {b}", f"{surface_a} {surface_b}")
    return labels


def _content_pairs(text: str) -> list[tuple[str, str]]:
    """(stem, lower-case surface word) for each content word of a piece of prose."""
    pairs = []
    for raw in _TOKEN.findall(text):
        word = _ELISION.sub("", fold(raw).replace("’", "'")).strip("'.-")
        if len(word) < 2 or word in STOPWORDS or not any(ch.isalpha() for ch in word):
            continue
        stemmed = stem(word)
        if stemmed not in STOPWORDS:
            surface = _ELISION.sub("", raw.casefold().replace("’", "'")).strip("'.-")
            pairs.append((stemmed, surface))
    return pairs


def tag_terms(tag: str) -> list[str]:
    """Terms of a tag or declared skill: "home-brewing" gives "home", "brew", "home brew"."""
    words = content_words(tag.replace("-", " ").replace("_", " "))
    if len(words) > 1:
        return [*dict.fromkeys(words), " ".join(words)]
    return words


def channel_term(channel: str) -> str:
    """The term of a channel name: ``#help-docker``."""
    name = fold(channel.strip().lstrip("#")).replace(" ", "-")
    return f"#{name}" if name else ""


def stem(word: str) -> str:
    """Light suffix stripping shared by English and French (plurals, -ing, -ed, final e)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("eaux"):
        word = word[:-1]
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = _DOUBLED.sub(r"\1", word[: -len(suffix)])
            break
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


def _damped(count: int, term: str) -> float:
    """Repetition adds evidence with diminishing returns; bigrams count for less."""
    weight = 1.0 + math.log(count)
    return weight * BIGRAM_WEIGHT if " " in term else weight


def _heaviest(terms: dict[str, float], limit: int) -> dict[str, float]:
    """The ``limit`` heaviest terms, ties broken by first appearance (deterministic)."""
    if len(terms) <= limit:
        return terms
    order = {term: i for i, term in enumerate(terms)}
    kept = sorted(terms, key=lambda t: (-terms[t], order[t]))[:limit]
    return {term: terms[term] for term in kept}
