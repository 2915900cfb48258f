"""Profile answers as a reader sees them: country and region names, option labels, tag lists.

Answers are stored as codes and ids (``DE``, ``FR-IDF``, ``senior``) so they read the same
in every language; this turns them back into words in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.profiles import geo
from bot.profiles.questionnaire import Answer, Kind, Question
from bot.profiles.visibility import VisibleField


def display_value(question: Question, value: Answer, locale: str | None) -> str:
    """One answer in words for ``locale``: "Allemagne" for DE, option labels, tags joined."""
    reader = locale or "en"
    items = (value,) if isinstance(value, str) else tuple(value)
    if question.kind is Kind.COUNTRY:
        return ", ".join(geo.country_name(code, reader) for code in items)
    if question.kind is Kind.REGION:
        return ", ".join(geo.subdivision_name(item, reader) or item for item in items)
    if question.kind in (Kind.CHOICE, Kind.MULTI_CHOICE):
        labels = {choice.id: choice.label(reader) for choice in question.choices}
        return ", ".join(labels.get(item, item) for item in items)
    return ", ".join(items)


def as_fields(fields: Iterable[VisibleField], locale: str | None) -> tuple[tuple[str, str], ...]:
    """``(label, text)`` pairs, the shape of ``Reply.fields``, for the visible answers."""
    return tuple(
        (field.question.label(locale), display_value(field.question, field.value, locale))
        for field in fields
    )
