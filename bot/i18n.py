"""The message catalogue: every sentence a person reads from Pulse, in English and French.

Texts live in ``bot/locales/<locale>.toml`` as flat ``key = "text with {placeholders}"``
entries, so translators edit data, not code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Formatter

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"


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
    return template.format(**values)


class Translator:
    """Texts bound to one locale, so callers need not pass it around."""

    def __init__(self, locale: str | None) -> None:
        self.locale = locale if locale in available_locales() else DEFAULT_LOCALE

    def __call__(self, key: str, /, **values: object) -> str:
        """The text for ``key`` in this translator's locale."""
        return text(self.locale, key, **values)
