"""Normalisers: one canonical value per answer, or a :class:`FieldError` saying what is wrong.

Every normaliser accepts any text without raising, and is idempotent: feeding its result
back in gives the same result, so a profile re-saved from a pre-filled form never drifts.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources

from bot.profiles import geo
from bot.profiles.errors import (
    COUNTRY_SUGGEST,
    COUNTRY_UNKNOWN,
    EMAIL_INVALID,
    NOT_TEXT,
    TAG_TOO_LONG,
    TOO_MANY_TAGS,
    FieldError,
)
from bot.profiles.text import MAX_INPUT, caseless, clean_text, echo, normalise_text, scrub, too_long

__all__ = [
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "Synonyms",
    "default_synonyms",
    "normalise_country",
    "normalise_email",
    "normalise_region",
    "normalise_tags",
    "normalise_text",
]

MAX_EMAIL_LENGTH = 254
"""RFC 5321's limit on a forward path, the most an address can usefully be."""
MAX_COUNTRY_INPUT = 100
"""No country name is longer; longer input is refused without being looked up."""
MAX_TAGS = 20
"""More areas of expertise than this say little about any of them."""
MAX_TAG_LENGTH = 40
"""One area is a few words; longer means the separators were forgotten."""

_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010FFFF]+$")
_TAG_SEPARATORS = re.compile("[,;/\n\u3001\u060c\u061b]+")
_TAG_LEADING = re.compile("^[\\s\\-*•·#\"'“”«»‘’]+")
_TAG_TRAILING = re.compile("[\\s.\"'“”«»‘’]+$")


def normalise_email(text: object) -> str | FieldError:
    """An email address checked for syntax (no lookup), with its domain in lower case."""
    if not isinstance(text, str):
        return FieldError(NOT_TEXT)
    if len(text) > MAX_INPUT:
        return too_long(len(text), MAX_EMAIL_LENGTH)
    address = clean_text(text)
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1]
    if len(address) > MAX_EMAIL_LENGTH:
        return too_long(len(address), MAX_EMAIL_LENGTH)
    local, at, domain = address.rpartition("@")
    domain = unicodedata.normalize("NFC", domain.lower())
    if not at or not _valid_local(local) or not _valid_domain(domain):
        return FieldError(EMAIL_INVALID)
    return f"{local}@{domain}"


def _valid_local(local: str) -> bool:
    """A dot-atom local part (RFC 5322, with RFC 6531's non-ASCII letters), at most 64 chars."""
    if not local or len(local) > 64:
        return False
    return all(atom and _ATEXT.match(atom) for atom in local.split("."))


def _valid_domain(domain: str) -> bool:
    """A host name of two or more labels: letters, digits, inner hyphens; TLD not numeric."""
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not all(char.isalnum() or char == "-" for char in label):
            return False
    return len(labels[-1]) >= 2 and not labels[-1].isdigit()


def normalise_country(text: object, locale: str = "en") -> str | FieldError:
    """The ISO 3166-1 alpha-2 code for a country name (EN or FR), code or flag emoji."""
    if not isinstance(text, str):
        return FieldError(NOT_TEXT)
    if len(text) > MAX_COUNTRY_INPUT:
        return too_long(len(text), MAX_COUNTRY_INPUT)
    code = geo.find_country(text, locale)
    if code is not None:
        return code
    suggestion = geo.suggest_country(text, locale)
    if suggestion is not None:
        name = geo.country_name(suggestion, locale)
        return FieldError(COUNTRY_SUGGEST, {"value": echo(text), "suggestion": name})
    return FieldError(COUNTRY_UNKNOWN, {"value": echo(text)})


def normalise_region(
    text: object, country: str | None = None, *, max_length: int = 100
) -> str | FieldError:
    """A region: the ISO 3166-2 code when it names a subdivision of ``country``, else the text."""
    cleaned = normalise_text(text, max_length=max_length)
    if isinstance(cleaned, FieldError) or not cleaned:
        return cleaned
    return geo.find_subdivision(cleaned, country) or cleaned


class Synonyms:
    """A synonym map for tags, folded like tags and with chains resolved ("a"->"b"->"c")."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        """Fold keys and values; raise ValueError on a cycle, an empty or a multi-part tag."""
        folded = {_single_tag(key): _single_tag(value) for key, value in mapping.items()}
        self._map = {key: _resolve(folded, key) for key in folded}
        self._map = {key: value for key, value in self._map.items() if key != value}

    def __call__(self, tag: str) -> str:
        """The canonical tag for ``tag`` (itself when it has no synonym)."""
        return self._map.get(tag, tag)

    def __eq__(self, other: object) -> bool:
        """Two maps are equal when they send every tag to the same place."""
        return isinstance(other, Synonyms) and self._map == other._map

    def __hash__(self) -> int:
        """Hashable, so that questionnaires holding a map can be compared and cached."""
        return hash(frozenset(self._map.items()))

    def as_dict(self) -> dict[str, str]:
        """The resolved map, for display and export."""
        return dict(self._map)

    def merged(self, overrides: Mapping[str, str]) -> Synonyms:
        """A new map with ``overrides`` winning over these entries."""
        return Synonyms({**self._map, **overrides})


def _single_tag(text: str) -> str:
    """One tag as normalised, or ValueError when the text is empty or holds several tags."""
    parts = _split_tags(text)
    if len(parts) != 1:
        raise ValueError(f"synonym entry {text!r} must be exactly one tag")
    return parts[0]


def _resolve(mapping: Mapping[str, str], key: str) -> str:
    """Follow a chain of synonyms to its end, refusing cycles."""
    seen = [key]
    value = mapping[key]
    while value in mapping and mapping[value] != value:
        if value in seen:
            raise ValueError(f"synonyms form a cycle: {' -> '.join([*seen, value])}")
        seen.append(value)
        value = mapping[value]
    return value


@cache
def default_synonyms() -> Synonyms:
    """The synonyms shipped in ``synonyms.toml`` (k8s -> kubernetes, ...), loaded once."""
    source = resources.files("bot.profiles").joinpath("synonyms.toml")
    return Synonyms(tomllib.loads(source.read_text(encoding="utf-8"))["synonyms"])


def _clean_tag(part: str) -> str:
    """One tag without list bullets, hash signs, quotes, trailing dots or extra spaces."""
    part = " ".join(part.split())
    part = _TAG_TRAILING.sub("", _TAG_LEADING.sub("", part))
    return " ".join(part.split())


def _split_tags(text: str) -> list[str]:
    """Scrubbed, case-folded tags in order of appearance, empty ones dropped."""
    folded = caseless(_scrub_keeping_newlines(text))
    parts = (_clean_tag(part) for part in _TAG_SEPARATORS.split(folded))
    return [part for part in parts if part]


def _scrub_keeping_newlines(text: str) -> str:
    """Invisible characters removed, but line breaks kept, since they separate tags."""
    return "\n".join(scrub(line) for line in text.splitlines())


def _tags_once(parts: Iterable[str], synonyms: Synonyms) -> list[str]:
    """Tags after synonyms, de-duplicated in order of first appearance."""
    return list(dict.fromkeys(synonyms(tag) for tag in parts))


def normalise_tags(
    text: object,
    synonyms: Synonyms | Mapping[str, str] | None = None,
    *,
    max_tags: int = MAX_TAGS,
    max_tag_length: int = MAX_TAG_LENGTH,
    max_length: int = 1000,
) -> tuple[str, ...] | FieldError:
    """Tags from text (or a list of texts): split, lower-cased, mapped and de-duplicated.

    ``max_length`` bounds the raw text; it is raised to what ``max_tags`` full-length tags
    need, so that a valid result, typed back in, is valid again.
    """
    joined = _as_text(text)
    if joined is None:
        return FieldError(NOT_TEXT)
    limit = max(max_length, max_tags * (max_tag_length + 1))  # a result always fits again
    if len(joined) > limit:
        return too_long(len(joined), limit)
    mapping = synonyms if isinstance(synonyms, Synonyms) else Synonyms(synonyms or {})
    tags = _tags_once(_split_tags(joined), mapping)
    for tag in tags:
        if len(tag) > max_tag_length:
            return FieldError(TAG_TOO_LONG, {"tag": echo(tag), "maximum": max_tag_length})
    if len(tags) > max_tags:
        return FieldError(TOO_MANY_TAGS, {"maximum": max_tags, "count": len(tags)})
    return tuple(tags)


def _as_text(value: object) -> str | None:
    """An answer as one text: a list is joined one item per line; other types are refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return "\n".join(value)
    return None
