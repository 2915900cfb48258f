"""Countries and their subdivisions: ISO 3166 codes from the names people type.

The ISO data and its French translations come from ``pycountry`` (Debian's iso-codes),
imported on first use and indexed once. A small curated table (``countries.toml``) adds
the short forms ISO leaves out ("USA", "Angleterre", "Ivory Coast"). Lookups compare
folded keys (no case, accents, punctuation or leading article); a key that two countries
share at the same level of trust is ambiguous and never guessed.
"""

from __future__ import annotations

import difflib
import gettext
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from bot.profiles.text import fold

LOCALES = ("en", "fr")
_AMBIGUOUS = ""
_REGIONAL_INDICATOR_A = 0x1F1E6
_FULL_SUBDIVISION_CODE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
_HEAD = re.compile(r"^([^,(]+)[,(]")
_INSIDE = re.compile(r"\(([^)]+)\)")

Index = dict[str, str]


def _add(index: Index, name: str, code: str) -> None:
    """Index ``name`` for ``code``; a key already taken by another code becomes ambiguous."""
    key = fold(name)
    if key:
        index[key] = code if index.get(key, code) == code else _AMBIGUOUS


def _curated() -> dict[str, Any]:
    """The curated aliases and extra codes shipped next to this module."""
    source = resources.files("bot.profiles").joinpath("countries.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


@cache
def _translator(domain: str, locale: str) -> gettext.NullTranslations:
    """pycountry's gettext catalogue for one ISO standard and locale (English: identity)."""
    import pycountry

    if locale == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def _english_names(country: Any) -> list[str]:
    """A country's English names: short, official and common, when it has them."""
    names = [country.name]
    names += [getattr(country, key, None) or "" for key in ("official_name", "common_name")]
    return [name for name in names if name]


def _derived(name: str) -> Iterator[str]:
    """Shorter forms hidden in a formal name: "Iran, Islamic Republic of" gives "Iran"."""
    head = _HEAD.match(name)
    if head:
        yield head.group(1)
    yield from _INSIDE.findall(name)


@cache
def _country_tables() -> tuple[Index, Index, dict[str, Index], dict[str, Index]]:
    """Aliases, codes, names per locale and derived short forms per locale, built once."""
    import pycountry

    curated = _curated()
    aliases: Index = {}
    codes: Index = {}
    names: dict[str, Index] = {locale: {} for locale in LOCALES}
    derived: dict[str, Index] = {locale: {} for locale in LOCALES}
    for alias, code in curated["aliases"].items():
        _add(aliases, alias, code)
    for code, extra in curated.get("extra", {}).items():
        _add(codes, code, code)
        _add(codes, extra["alpha_3"], code)
        for locale in LOCALES:
            _add(names[locale], extra[locale], code)
    for country in pycountry.countries:
        code = country.alpha_2
        _add(codes, code, code)
        _add(codes, country.alpha_3, code)
        for locale in LOCALES:
            translate = _translator("iso3166-1", locale).gettext
            for name in _english_names(country):
                _add(names[locale], translate(name), code)
                for short in _derived(translate(name)):
                    _add(derived[locale], short, code)
    return aliases, codes, names, derived


def _levels(locale: str) -> list[Index]:
    """Indexes in order of trust, the reader's language before the other one."""
    aliases, codes, names, derived = _country_tables()
    order = [locale] if locale in LOCALES else []
    order += [other for other in LOCALES if other not in order]
    return [aliases, codes, *(names[name] for name in order), *(derived[d] for d in order)]


def _from_flag(text: str) -> str | None:
    """The code spelled by a flag emoji (two regional indicator symbols), if that is all."""
    stripped = text.strip()
    if len(stripped) != 2:
        return None
    offsets = [ord(char) - _REGIONAL_INDICATOR_A for char in stripped]
    if not all(0 <= offset < 26 for offset in offsets):
        return None
    return "".join(chr(ord("A") + offset) for offset in offsets)


def find_country(text: str, locale: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a text names, or None when unknown or ambiguous."""
    flag = _from_flag(text)
    key = fold(flag or text)
    if not key:
        return None
    for index in _levels(locale):
        if key in index:
            return index[key] or None
    return None


def suggest_country(text: str, locale: str) -> str | None:
    """The code of the one country whose name is closest to a misspelt text, if any is close."""
    key = fold(text)
    if not 4 <= len(key) <= 60:
        return None
    candidates: dict[str, str] = {}
    for index in reversed(_levels(locale)[2:]):
        candidates.update((name, code) for name, code in index.items() if code)
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.8)
    return candidates[close[0]] if close else None


def country_name(code: str, locale: str) -> str:
    """A country's usual name in a locale ("Allemagne"), or the code itself if unknown."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        extra = _curated().get("extra", {}).get(code)
        return str(extra.get(locale, extra["en"])) if extra else code
    name = getattr(country, "common_name", None) or country.name
    return _translator("iso3166-1", locale if locale in LOCALES else "en").gettext(name)


@cache
def known_country_codes() -> frozenset[str]:
    """Every alpha-2 code Pulse recognises (ISO 3166-1 plus the curated extras)."""
    _, codes, _, _ = _country_tables()
    return frozenset(code for code in codes.values() if code)


def _subdivisions(country: str) -> Iterable[Any]:
    """pycountry's subdivisions of one country (none for an unknown code)."""
    import pycountry

    try:
        return pycountry.subdivisions.get(country_code=country) or ()
    except (KeyError, LookupError):
        return ()


@cache
def _subdivision_index(country: str) -> Mapping[str, str]:
    """Folded codes and names (English/native and French) of one country's subdivisions."""
    codes: Index = {}
    names: Index = {}
    for subdivision in _subdivisions(country):
        code = subdivision.code
        _add(codes, code, code)
        _add(codes, code.split("-", 1)[1], code)
        for locale in LOCALES:
            _add(names, _translator("iso3166-2", locale).gettext(subdivision.name), code)
    return {**{k: v for k, v in names.items() if k not in codes}, **codes}


def find_subdivision(text: str, country: str | None) -> str | None:
    """The ISO 3166-2 code of a region of ``country`` that a text names, if exactly one."""
    if country:
        if country.upper() not in known_country_codes():
            return None
        return _subdivision_index(country.upper()).get(fold(text)) or None
    if not _FULL_SUBDIVISION_CODE.match(text):
        return None
    import pycountry

    found = pycountry.subdivisions.get(code=text.upper())
    return str(found.code) if found is not None else None


def subdivision_name(code: str, locale: str) -> str | None:
    """A subdivision's name in a locale, or None when ``code`` is not an ISO 3166-2 code."""
    if not _FULL_SUBDIVISION_CODE.match(code):
        return None
    import pycountry

    found = pycountry.subdivisions.get(code=code)
    if found is None:
        return None
    return _translator("iso3166-2", locale if locale in LOCALES else "en").gettext(found.name)


def warm_up() -> None:
    """Load pycountry and build every index now (~0.3 s), not on a member's first answer."""
    import pycountry

    for code in known_country_codes():
        _subdivision_index(code)
    pycountry.subdivisions.get(code="FR-IDF")
