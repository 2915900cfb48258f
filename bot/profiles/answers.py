"""Checking a submitted form: all answers normalised, or per-question errors and nothing else.

The result never mixes the two: with any error there are no values to save, only the
errors and the answers exactly as typed, so the form can be shown again pre-filled and
nothing the member wrote is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeGuard

from bot.profiles.errors import (
    CHOICE_UNKNOWN,
    NOT_TEXT,
    REQUIRED,
    TOO_MANY_CHOICES,
    FieldError,
)
from bot.profiles.normalise import (
    normalise_country,
    normalise_email,
    normalise_region,
    normalise_tags,
)
from bot.profiles.questionnaire import Answer, Kind, Question, Questionnaire
from bot.profiles.text import MAX_INPUT, clean_text, echo, fold, normalise_text, too_long

RawAnswer = str | Sequence[str]
"""What a form sends for one question: a text, or the items picked in a multi-select."""


@dataclass(frozen=True)
class ValidationResult:
    """Either ``values`` (all valid) or ``errors``; ``raw`` always echoes what was sent."""

    values: Mapping[str, Answer] = field(default_factory=dict)
    errors: Mapping[str, FieldError] = field(default_factory=dict)
    raw: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every answer is valid and ``values`` may be saved."""
        return not self.errors

    def prefill(self, question_id: str, limit: int = 4000) -> str:
        """What to put back in a form input: the raw answer, one item per line, within ``limit``."""
        value = self.raw.get(question_id, "")
        text = value if isinstance(value, str) else "\n".join(value)
        return text[:limit]


def validate(
    questionnaire: Questionnaire,
    raw_answers: Mapping[str, object],
    locale: str = "en",
    *,
    question_ids: Collection[str] | None = None,
) -> ValidationResult:
    """Normalise every answer, or report each invalid one; ``question_ids`` limits to a page."""
    raw = _echo_raw(questionnaire, raw_answers)
    scope = [q for q in questionnaire.questions if question_ids is None or q.id in question_ids]
    country = _country_context(questionnaire, raw_answers, locale)
    values: dict[str, Answer] = {}
    errors: dict[str, FieldError] = {}
    for question in scope:
        outcome = _answer(question, raw_answers.get(question.id), questionnaire, locale, country)
        if isinstance(outcome, FieldError):
            errors[question.id] = outcome
        elif outcome:
            values[question.id] = outcome
    if errors:
        return ValidationResult(errors=MappingProxyType(errors), raw=MappingProxyType(raw))
    return ValidationResult(values=MappingProxyType(values), raw=MappingProxyType(raw))


def _echo_raw(
    questionnaire: Questionnaire, raw_answers: Mapping[str, object]
) -> dict[str, str | tuple[str, ...]]:
    """The answers to known questions as sent (lone surrogates dropped so they can be re-sent)."""
    echoed: dict[str, str | tuple[str, ...]] = {}
    for qid in questionnaire.ids:
        value = raw_answers.get(qid)
        if isinstance(value, str):
            echoed[qid] = _sendable(value)
        elif _is_text_list(value):
            echoed[qid] = tuple(_sendable(item) for item in value)
    return echoed


def _sendable(text: str) -> str:
    """Text without lone surrogates, which no platform API accepts."""
    return text.encode("utf-8", "ignore").decode("utf-8")


def _is_text_list(value: object) -> TypeGuard[list[str] | tuple[str, ...]]:
    """A list or tuple of texts (a multi-select's answer)."""
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _country_context(
    questionnaire: Questionnaire, raw_answers: Mapping[str, object], locale: str
) -> str | None:
    """The member's country code, when the form has a country question answered validly."""
    question = questionnaire.first_of(Kind.COUNTRY)
    if question is None:
        return None
    value = _single_text(raw_answers.get(question.id))
    if not isinstance(value, str) or not clean_text(value[:MAX_INPUT]):
        return None
    code = normalise_country(value, locale)
    return code if isinstance(code, str) else None


def _single_text(value: object) -> str | FieldError | None:
    """One text from a raw answer; a one-item list counts (some selects send lists)."""
    if value is None or isinstance(value, str):
        return value
    if _is_text_list(value) and len(value) <= 1:
        return value[0] if value else None
    return FieldError(NOT_TEXT)


def _answer(
    question: Question,
    value: object,
    questionnaire: Questionnaire,
    locale: str,
    country: str | None,
) -> Answer | FieldError | None:
    """One question's normalised answer, None when left empty, or its error."""
    if value is None:
        outcome: Answer | FieldError | None = None
    elif question.kind in (Kind.TAGS, Kind.MULTI_CHOICE):
        outcome = _many(question, value, questionnaire)
    else:
        outcome = _one(question, value, locale, country)
    if outcome is None or outcome in ("", ()):
        return FieldError(REQUIRED) if question.required else None
    return outcome


def _one(
    question: Question, value: object, locale: str, country: str | None
) -> Answer | FieldError | None:
    """The answer to a single-valued question (text, email, country, region, choice)."""
    text = _single_text(value)
    if text is None or isinstance(text, FieldError):
        return text
    if len(text) > MAX_INPUT:
        return too_long(len(text), question.max_length)
    if not clean_text(text):
        return None
    if question.kind is Kind.EMAIL:
        return _within(normalise_email(text), question.max_length)
    if question.kind is Kind.COUNTRY:
        return normalise_country(text, locale)
    if question.kind is Kind.REGION:
        return normalise_region(text, country, max_length=question.max_length)
    if question.kind is Kind.CHOICE:
        return _choice(question, text)
    return normalise_text(text, max_length=question.max_length)


def _within(value: str | FieldError, maximum: int) -> str | FieldError:
    """The value, or a too-long error when it exceeds the question's own maximum."""
    if isinstance(value, str) and len(value) > maximum:
        return too_long(len(value), maximum)
    return value


def _choice(question: Question, text: str) -> str | FieldError:
    """The id of the option a text names: its id, or its label in any locale."""
    key = fold(text)
    for choice in question.choices:
        names = [choice.id, *choice.labels.values()]
        if any(fold(name) == key for name in names):
            return choice.id
    return FieldError(CHOICE_UNKNOWN, {"value": echo(text)})


def _many(question: Question, value: object, questionnaire: Questionnaire) -> Answer | FieldError:
    """The answer to a many-valued question: tags, or the ids of several options."""
    if question.kind is Kind.TAGS:
        return normalise_tags(
            value,
            questionnaire.synonyms,
            max_tags=question.max_items,
            max_length=question.max_length,
        )
    if isinstance(value, str):
        if len(value) > MAX_INPUT:
            return too_long(len(value), question.max_length)
        items: list[str] | tuple[str, ...] = value.split(",")
    elif _is_text_list(value):
        items = value
    else:
        return FieldError(NOT_TEXT)
    picked: list[str] = []
    for item in items:
        if clean_text(item[:MAX_INPUT]):
            outcome = _choice(question, item[:MAX_INPUT])
            if isinstance(outcome, FieldError):
                return outcome
            picked.append(outcome)
    chosen = tuple(c.id for c in question.choices if c.id in picked)
    if len(chosen) > question.max_items:
        return FieldError(TOO_MANY_CHOICES, {"maximum": question.max_items, "count": len(chosen)})
    return chosen
