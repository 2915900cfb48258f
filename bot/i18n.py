"""The message catalogue: every sentence a person reads from Pulse, in English and French.

Texts live in ``bot/locales/<locale>.toml`` as flat ``key = "text with {placeholders}"``
entries, so translators edit data, not code. A word that agrees with a number is written
``{count:plural:question|questions}``: the number picks the form by the locale's rule.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Formatter

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"


PLURAL_SPEC = "plural:"
SINGULAR = {
    "en": lambda n: n == 1,
    "fr": lambda n: n < 2,  # French: 0 and 1 take the singular
}


class _Formatter(Formatter):
    """``str.format`` plus the ``plural:one|other`` spec, by one locale's rule."""

    def __init__(self, locale: str) -> None:
        self._singular = SINGULAR.get(locale, SINGULAR[DEFAULT_LOCALE])

    def format_field(self, value: object, format_spec: str) -> str:
        """The singular or plural word for ``value`` when the spec asks for it."""
        if not format_spec.startswith(PLURAL_SPEC):
            return super().format_field(value, format_spec)
        one, _, other = format_spec.removeprefix(PLURAL_SPEC).partition("|")
        number = abs(float(value)) if isinstance(value, int | float) else 0.0
        return one if self._singular(number) else (other or one)


@cache
def _formatter(locale: str) -> _Formatter:
    """One formatter per locale."""
    return _Formatter(locale)


@cache
def catalogue(locale: str) -> Mapping[str, str]:
    """All texts of one locale (loaded once); unknown locales get an empty catalogue."""
    path = LOCALES_DIR / f"{locale}.toml"
    if not path.is_file():
        return {}
    return dict(tomllib.loads(path.read_text(encoding="utf-8")))


def available_locales() -> list[str]:
    """Locales that ship a catalogue file."""
    return sorted(path.stem for path in LOCALES_DIR.glob("*.toml"))


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template expects."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def text(locale: str | None, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``locale`` (falling back to English), filled with values."""
    template = catalogue(locale or DEFAULT_LOCALE).get(key) or catalogue(DEFAULT_LOCALE).get(key)
    if template is None:
        raise KeyError(f"message catalogue has no key {key!r}")
    return _formatter(locale or DEFAULT_LOCALE).format(template, **values)


class Translator:
    """Texts bound to one locale, so callers need not pass it around."""

    def __init__(self, locale: str | None) -> None:
        self.locale = locale if locale in available_locales() else DEFAULT_LOCALE

    def __call__(self, key: str, /, **values: object) -> str:
        """The text for ``key`` in this translator's locale."""
        return text(self.locale, key, **values)
