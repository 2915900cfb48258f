"""The ``[profile]`` configuration section: a community's own questionnaire, checked strictly.

Unknown keys are errors, and every error names the question id and the key, because that
is what an operator has to fix. A question whose id is one of the defaults (``email``,
``country``, ...) starts from the default and only needs the keys it changes::

    [profile]
    notice_version = 2
    synonyms = { "gcp" = "google cloud" }

    [[profile.questions]]
    id = "display_name"

    [[profile.questions]]
    id = "seniority"
    kind = "choice"
    visibility = "moderators"
    labels = { en = "Seniority", fr = "Séniorité" }
    choices = [
        { id = "junior", labels = { en = "Junior", fr = "Junior" } },
        { id = "senior", labels = { en = "Senior", fr = "Senior" } },
    ]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.profiles.normalise import Synonyms, default_synonyms
from bot.profiles.questionnaire import (
    DEFAULT_QUESTION_IDS,
    Choice,
    Question,
    Questionnaire,
    default_question,
    default_questionnaire,
)

LocaleKey = Literal["en", "fr"]
KindName = Literal["text", "email", "country", "region", "choice", "multi_choice", "tags"]
VisibilityName = Literal["everyone", "moderators", "admins"]


class QuestionnaireError(ValueError):
    """The ``[profile]`` section is wrong; each line names the question and the key."""


class _Strict(BaseModel):
    """Unknown keys are errors; values are immutable once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceConfig(_Strict):
    """One option of a choice question."""

    id: str
    labels: dict[LocaleKey, str]


class QuestionConfig(_Strict):
    """One question; keys left out come from the default question of the same id."""

    id: str
    kind: KindName | None = None
    required: bool | None = None
    visibility: VisibilityName | None = None
    labels: dict[LocaleKey, str] | None = None
    hints: dict[LocaleKey, str] | None = None
    choices: list[ChoiceConfig] | None = None
    max_length: int | None = None
    max_items: int | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _dash_or_underscore(cls, value: Any) -> Any:
        """Accept ``multi-choice`` as well as ``multi_choice``."""
        return value.replace("-", "_") if isinstance(value, str) else value

    def build(self) -> Question:
        """The Question this entry describes, over the default of the same id if there is one."""
        given = self.model_dump(exclude_unset=True, exclude={"id", "choices"})
        if self.choices is not None:
            given["choices"] = tuple(Choice(c.id, _texts(c.labels)) for c in self.choices)
        if self.id in DEFAULT_QUESTION_IDS:
            base = default_question(self.id)
            fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
            return Question(**{**fields, **given})
        if self.kind is None or self.labels is None:
            raise ValueError("a question that is not a default one needs 'kind' and 'labels'")
        return Question(id=self.id, **given)


class ProfileConfig(_Strict):
    """The whole ``[profile]`` section; everything may be left out for the defaults."""

    notice_version: int = Field(default=1, ge=1)
    notice: dict[LocaleKey, str] | None = None
    default_synonyms: bool = True
    synonyms: dict[str, str] = Field(default_factory=dict)
    questions: list[QuestionConfig] | None = None
    welcome_on_join: bool = True
    reminder_after_hours: float = Field(default=72.0, ge=0, le=24 * 90)

    @model_validator(mode="after")
    def _buildable(self) -> ProfileConfig:
        """Check the whole section at load time, so the main config reports it with the rest."""
        self.build()
        return self

    def build(self) -> Questionnaire:
        """The questionnaire this section describes; QuestionnaireError names what is wrong."""
        problems: list[str] = []
        questions = _built_questions(self.questions, problems)
        synonyms = _built_synonyms(self, problems)
        if problems:
            raise QuestionnaireError("\n".join(problems))
        try:
            return Questionnaire(
                questions=questions,
                notice_version=self.notice_version,
                synonyms=synonyms,
                notice=_texts(self.notice or {}),
            )
        except ValueError as exc:
            raise QuestionnaireError(f"profile: {exc}") from None


def _texts(texts: Mapping[LocaleKey, str]) -> dict[str, str]:
    """Per-locale texts with plain string keys, as the plain values expect."""
    return {str(locale): text for locale, text in texts.items()}


def _built_questions(
    entries: list[QuestionConfig] | None, problems: list[str]
) -> tuple[Question, ...]:
    """Each entry built in turn; a failure is recorded with the question's id and position."""
    if entries is None:
        return default_questionnaire().questions
    built: list[Question] = []
    for position, entry in enumerate(entries):
        try:
            built.append(entry.build())
        except ValueError as exc:
            problems.append(f"profile.questions[{position}] (id {entry.id!r}): {exc}")
    return tuple(built)


def _built_synonyms(section: ProfileConfig, problems: list[str]) -> Synonyms:
    """Shipped synonyms (unless turned off) with the community's own winning."""
    base = default_synonyms() if section.default_synonyms else Synonyms({})
    try:
        return base.merged(section.synonyms)
    except ValueError as exc:
        problems.append(f"profile.synonyms: {exc}")
        return base


def _describe(error: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    """One line for one pydantic error, with the question id in place of a bare index."""
    location = list(error["loc"])
    where = "profile"
    if len(location) >= 2 and location[0] == "questions" and isinstance(location[1], int):
        entries = raw.get("questions") or []
        entry = entries[location[1]] if location[1] < len(entries) else {}
        qid = entry.get("id", "?") if isinstance(entry, Mapping) else "?"
        where = f"profile.questions[{location[1]}] (id {qid!r})"
        location = location[2:]
    key = ".".join(str(part) for part in location)
    if not key and error["type"] == "value_error":
        return str(error["ctx"]["error"]) if "ctx" in error else str(error["msg"])
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key '{key}'"
    return f"{where}: key '{key}': {error['msg']} (got {error.get('input')!r})"


def load_questionnaire(raw: Mapping[str, Any] | None) -> Questionnaire:
    """The questionnaire from a ``[profile]`` table as parsed from TOML (None: the defaults)."""
    if raw is None:
        return default_questionnaire()
    try:
        section = ProfileConfig.model_validate(dict(raw))
    except ValidationError as exc:
        lines = [_describe(error, raw) for error in exc.errors()]
        raise QuestionnaireError("\n".join(lines)) from None
    return section.build()
