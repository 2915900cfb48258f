"""The profile texts, read from the main message catalogue (``bot/locales``).

Question labels and hints are kept per locale on each question, so a questionnaire is a
plain value; these helpers fetch them (and the notice and error texts) from the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from bot import i18n

LABEL_LOCALES = ("en", "fr")


@cache
def bundled() -> Mapping[str, Mapping[str, str]]:
    """``{locale: {key: text}}`` of every ``profile.*`` text in the catalogue, read once."""
    return {
        locale: {k: v for k, v in i18n.catalogue(locale).items() if k.startswith("profile.")}
        for locale in LABEL_LOCALES
    }


def template(locale: str, key: str) -> str | None:
    """The raw text for ``key`` in ``locale``; None when absent."""
    found = i18n.catalogue(locale).get(key)
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
