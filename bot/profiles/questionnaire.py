"""The profile questionnaire: which questions, in which order, who sees the answers.

A questionnaire is a plain value, checked when built, so that every form a platform draws
from it fits: labels within Discord's 45 characters, at most 25 options per select,
answers within Slack's 3,000-character inputs, and email answers for administrators only.
The default set asks for a display name (required), then email, job function, company,
country, region and areas of expertise (all optional).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from bot.profiles.labels import LABEL_LOCALES, translations
from bot.profiles.normalise import MAX_TAGS, Synonyms, default_synonyms
from bot.profiles.visibility import Visibility

Answer = str | tuple[str, ...]
"""A normalised answer: one text or code, or several (tags, multiple choices)."""

MAX_QUESTIONS = 25
"""Five Discord modals of five inputs; a Slack modal has room to spare (100 blocks)."""
MAX_LABEL = 45
"""Discord's limit on a modal input's label; Slack allows more."""
MAX_HINT = 100
"""Discord's limit on a placeholder; Slack allows 150."""
MAX_CHOICES = 25
"""Discord's limit on the options of one select menu."""
MAX_CHOICE_LABEL = 75
"""Slack's limit on an option's text; Discord allows 100."""
MAX_ANSWER_LENGTH = 3000
"""Slack's limit on a plain-text input; Discord allows 4,000."""
DISCORD_MAX_INPUTS = 5
"""A Discord modal holds at most five inputs (text fields or select menus)."""

_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Kind(StrEnum):
    """What an answer is, hence how it is asked for and normalised."""

    TEXT = "text"
    EMAIL = "email"
    COUNTRY = "country"
    REGION = "region"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    TAGS = "tags"


class Widget(StrEnum):
    """The input a form draws for a question."""

    SHORT_TEXT = "short_text"
    PARAGRAPH = "paragraph"
    SELECT = "select"
    MULTI_SELECT = "multi_select"


DEFAULT_MAX_LENGTH = {
    Kind.TEXT: 100,
    Kind.EMAIL: 254,
    Kind.COUNTRY: 100,
    Kind.REGION: 100,
    Kind.TAGS: 1000,
    Kind.CHOICE: 100,
    Kind.MULTI_CHOICE: 100,
}
"""How many characters an answer may have when the question does not say."""

_WIDGETS = {
    Kind.TAGS: Widget.PARAGRAPH,
    Kind.CHOICE: Widget.SELECT,
    Kind.MULTI_CHOICE: Widget.MULTI_SELECT,
}


def _localised(labels: Mapping[str, str], locale: str | None) -> str:
    """The text for ``locale``, or English when that locale has none."""
    return labels.get(locale or "en") or labels.get("en") or next(iter(labels.values()), "")


def _check_texts(owner: str, what: str, texts: Mapping[str, str], limit: int) -> None:
    """Refuse unknown locales and empty or over-long texts, naming the owner."""
    for locale, text in texts.items():
        if locale not in LABEL_LOCALES:
            raise ValueError(f"{owner}: {what} locale {locale!r} is not one of {LABEL_LOCALES}")
        if not text.strip() or len(text) > limit:
            raise ValueError(f"{owner}: {what}.{locale} must have 1 to {limit} characters")


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a choice question: a stable id (what is stored) and its labels."""

    id: str
    labels: Mapping[str, str]

    def __post_init__(self) -> None:
        """Check the id and the labels, so every platform can draw the option."""
        if not _ID.match(self.id):
            raise ValueError(f"choice {self.id!r}: id must match {_ID.pattern}")
        if "en" not in self.labels:
            raise ValueError(f"choice {self.id!r}: labels need at least 'en'")
        _check_texts(f"choice {self.id!r}", "labels", self.labels, MAX_CHOICE_LABEL)

    def label(self, locale: str | None) -> str:
        """The option's text in ``locale`` (English when missing)."""
        return _localised(self.labels, locale)


@dataclass(frozen=True, slots=True)
class Question:
    """One question: what it asks, how the answer is checked, and who may see the answer."""

    id: str
    kind: Kind
    required: bool = False
    visibility: Visibility = Visibility.EVERYONE
    labels: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    max_length: int = 0
    max_items: int = 0

    def __post_init__(self) -> None:
        """Fill per-kind defaults and refuse anything a platform form could not show."""
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "visibility", Visibility(self.visibility))
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.max_length:
            object.__setattr__(self, "max_length", DEFAULT_MAX_LENGTH[self.kind])
        if not self.max_items:
            object.__setattr__(self, "max_items", self._default_max_items())
        self._check()

    def _default_max_items(self) -> int:
        """How many tags or options one answer may hold when the question does not say."""
        return MAX_TAGS if self.kind is Kind.TAGS else max(1, len(self.choices))

    def _check(self) -> None:
        """Raise ValueError naming the question and the key at fault."""
        name = f"question {self.id!r}"
        if not _ID.match(self.id):
            raise ValueError(f"{name}: id must match {_ID.pattern}")
        if "en" not in self.labels:
            raise ValueError(f"{name}: labels need at least 'en'")
        _check_texts(name, "labels", self.labels, MAX_LABEL)
        _check_texts(name, "hints", self.hints, MAX_HINT)
        if not 1 <= self.max_length <= MAX_ANSWER_LENGTH:
            raise ValueError(f"{name}: max_length must lie in 1..{MAX_ANSWER_LENGTH}")
        if self.is_email and self.visibility is not Visibility.ADMINS:
            raise ValueError(f"{name}: email answers are for admins only (visibility = 'admins')")
        self._check_choices(name)

    def _check_choices(self, name: str) -> None:
        """Choices exactly for choice questions: 1 to 25, distinct ids, a sensible maximum."""
        has_choices = self.kind in (Kind.CHOICE, Kind.MULTI_CHOICE)
        if has_choices and not 1 <= len(self.choices) <= MAX_CHOICES:
            raise ValueError(f"{name}: choices must list 1 to {MAX_CHOICES} options")
        if not has_choices and self.choices:
            raise ValueError(f"{name}: choices only apply to choice and multi_choice questions")
        ids = [choice.id for choice in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: choice ids must be distinct")
        ceiling = len(self.choices) if has_choices else MAX_TAGS * 5
        if not 1 <= self.max_items <= max(ceiling, 1):
            raise ValueError(f"{name}: max_items must lie in 1..{max(ceiling, 1)}")

    @property
    def is_email(self) -> bool:
        """Email answers get the strictest handling everywhere."""
        return self.kind is Kind.EMAIL

    @property
    def widget(self) -> Widget:
        """The input to draw: short text, paragraph (tags), select or multi-select."""
        return _WIDGETS.get(self.kind, Widget.SHORT_TEXT)

    def label(self, locale: str | None) -> str:
        """The question's label in ``locale`` (English when missing)."""
        return _localised(self.labels, locale)

    def hint(self, locale: str | None) -> str | None:
        """The placeholder text in ``locale``, if the question has one."""
        return _localised(self.hints, locale) or None


Step = tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    """An ordered set of questions, the notice version answers are given under, tag synonyms."""

    questions: tuple[Question, ...]
    notice_version: int = 1
    synonyms: Synonyms = field(default_factory=default_synonyms)
    notice: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse duplicate ids, an empty or oversized set and non-positive notice versions."""
        object.__setattr__(self, "questions", tuple(self.questions))
        if not 1 <= len(self.questions) <= MAX_QUESTIONS:
            raise ValueError(f"a questionnaire has 1 to {MAX_QUESTIONS} questions")
        ids = [question.id for question in self.questions]
        duplicates = sorted({qid for qid in ids if ids.count(qid) > 1})
        if duplicates:
            raise ValueError(f"question ids must be distinct; repeated: {', '.join(duplicates)}")
        if self.notice_version < 1:
            raise ValueError("notice_version must be 1 or more")

    @property
    def ids(self) -> tuple[str, ...]:
        """Question ids in order."""
        return tuple(question.id for question in self.questions)

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError when there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def first_of(self, kind: Kind) -> Question | None:
        """The first question of a kind (the country that a region belongs to, say)."""
        return next((question for question in self.questions if question.kind is kind), None)

    def steps(self, max_inputs: int = DISCORD_MAX_INPUTS, *, reserved: int = 0) -> tuple[Step, ...]:
        """Pages of at most ``max_inputs`` questions, in order; ``reserved`` slots kept on page 1.

        Discord modals hold five inputs, so the default gives pages that each fit one modal;
        reserve a slot for, say, a consent select on the first page. Slack fits all on one.
        """
        if max_inputs < 1 or not 0 <= reserved < max_inputs:
            raise ValueError("need max_inputs >= 1 and 0 <= reserved < max_inputs")
        pages: list[Step] = []
        remaining = list(self.questions)
        room = max_inputs - reserved
        while remaining:
            size = min(room, len(remaining))
            if 1 < size < len(remaining) and _pair(remaining[size - 1], remaining[size]):
                size -= 1  # keep a region on the page of its country
            pages.append(tuple(remaining[:size]))
            remaining = remaining[size:]
            room = max_inputs
        return tuple(pages)


def _pair(first: Question, second: Question) -> bool:
    """A country followed by a region: answered together, so kept on one page."""
    return first.kind is Kind.COUNTRY and second.kind is Kind.REGION


_DEFAULT_SET = (
    ("display_name", Kind.TEXT, True, Visibility.EVERYONE, 80),
    ("email", Kind.EMAIL, False, Visibility.ADMINS, 254),
    ("job_function", Kind.TEXT, False, Visibility.EVERYONE, 100),
    ("company", Kind.TEXT, False, Visibility.MODERATORS, 100),
    ("country", Kind.COUNTRY, False, Visibility.EVERYONE, 100),
    ("region", Kind.REGION, False, Visibility.MODERATORS, 100),
    ("expertise", Kind.TAGS, False, Visibility.EVERYONE, 1000),
)


def default_question(question_id: str) -> Question:
    """One question of the default set, labelled from the catalogue; KeyError if unknown."""
    for qid, kind, required, visibility, max_length in _DEFAULT_SET:
        if qid == question_id:
            return Question(
                id=qid,
                kind=kind,
                required=required,
                visibility=visibility,
                labels=translations(f"profile.question.{qid}"),
                hints=translations(f"profile.question.{qid}.hint"),
                max_length=max_length,
            )
    raise KeyError(question_id)


DEFAULT_QUESTION_IDS = tuple(entry[0] for entry in _DEFAULT_SET)


@cache
def default_questionnaire() -> Questionnaire:
    """The questionnaire a community gets until it configures its own."""
    return Questionnaire(tuple(default_question(qid) for qid in DEFAULT_QUESTION_IDS))
