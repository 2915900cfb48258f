"""The message catalogue: French and English stay in step, and code only uses known keys."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest

from bot.i18n import Translator, available_locales, catalogue, placeholders, text

ROOT = Path(__file__).resolve().parents[1]


def test_english_and_french_are_shipped() -> None:
    assert {"en", "fr"} <= set(available_locales())


def test_every_locale_has_the_same_keys_and_placeholders() -> None:
    english = catalogue("en")
    for locale in available_locales():
        other = catalogue(locale)
        assert other.keys() == english.keys(), locale
        for key, template in english.items():
            assert placeholders(other[key]) == placeholders(template), (locale, key)


def _keys_used_in_code() -> set[str]:
    call = r"""(?:say|text|described)\(\s*(?:"en",\s*)?"""
    pattern = re.compile(call + r"""f?"([a-z_]+\.[a-z_.{}]+)\"""")
    used = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/*.py")]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return used


def test_code_uses_only_keys_that_exist() -> None:
    english = catalogue("en")
    used = _keys_used_in_code()
    assert used, "the scan found no catalogue lookups at all"
    for key in used:
        if "{" in key:  # f-string key: at least one entry must match its prefix
            prefix = key.split("{", 1)[0]
            assert any(name.startswith(prefix) for name in english), key
        else:
            assert key in english, key


def test_translator_falls_back_to_english_for_unknown_locales() -> None:
    assert Translator("xx")("stats.messages") == text("en", "stats.messages")
    assert Translator("fr")("stats.replies") == "Réponses"
    with pytest.raises(KeyError):
        text("en", "no.such.key")


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("en", 0, "0 open questions"),
        ("en", 1, "1 open question "),
        ("en", 2, "2 open questions"),
        ("fr", 0, "0 question ouverte "),
        ("fr", 1, "1 question ouverte "),
        ("fr", 2, "2 questions ouvertes"),
    ],
)
def test_plural_forms_follow_each_locales_rule(locale: str, count: int, expected: str) -> None:
    assert Translator(locale)("unanswered.title", count=count).startswith(expected)


def test_every_plural_spec_names_both_forms() -> None:
    for locale in available_locales():
        for key, template in catalogue(locale).items():
            for _, _, spec, _ in Formatter().parse(template):
                if spec and spec.startswith("plural:"):
                    one, bar, other = spec.removeprefix("plural:").partition("|")
                    assert one and bar and other, f"{locale} {key}: plural needs one|other"
