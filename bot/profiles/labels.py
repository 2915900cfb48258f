"""The profile texts (``labels.toml``), English and French, until they join the main catalogue.

Lookups prefer the main catalogue (``bot/locales``), so once the ``profile.*`` keys are
merged there, translators edit one place and this file can go without code changes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources

from bot import i18n

LABEL_LOCALES = ("en", "fr")


@cache
def bundled() -> Mapping[str, Mapping[str, str]]:
    """``{locale: {key: text}}`` from labels.toml, read once."""
    source = resources.files("bot.profiles").joinpath("labels.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    return {locale: dict(data.get(locale, {})) for locale in LABEL_LOCALES}


def template(locale: str, key: str) -> str | None:
    """The raw text for ``key`` in ``locale``, main catalogue first; None when absent."""
    found = i18n.catalogue(locale).get(key) or bundled().get(locale, {}).get(key)
    return str(found) if found is not None else None


def message(locale: str | None, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``locale`` (English when missing there), filled with values."""
    found = template(locale or i18n.DEFAULT_LOCALE, key) or template(i18n.DEFAULT_LOCALE, key)
    if found is None:
        raise KeyError(f"no profile text for {key!r}")
    return found.format(**values)


def translations(key: str) -> dict[str, str]:
    """``{locale: text}`` for one key in every locale that has it."""
    found = {locale: template(locale, key) for locale in LABEL_LOCALES}
    return {locale: text for locale, text in found.items() if text}
