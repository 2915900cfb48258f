"""Who may see which profile answer, and where.

Three rules, applied in this order: in a public place (a channel others read, a digest)
only answers meant for everyone appear, and never an email address; a member reading their
own profile in private sees all of it; otherwise a viewer sees the answers whose
visibility their role reaches, and email addresses only if they are an administrator.
Answers to questions the questionnaire no longer has are never shown: nobody can say who
was meant to see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.ports import Role

if TYPE_CHECKING:
    from bot.profiles.questionnaire import Answer, Question, Questionnaire


class Visibility(StrEnum):
    """The least role that may see an answer."""

    EVERYONE = "everyone"
    MODERATORS = "moderators"
    ADMINS = "admins"

    @property
    def least_role(self) -> Role:
        """The lowest role that sees answers with this visibility."""
        return {
            Visibility.EVERYONE: Role.MEMBER,
            Visibility.MODERATORS: Role.MODERATOR,
            Visibility.ADMINS: Role.ADMIN,
        }[self]

    @property
    def label_key(self) -> str:
        """The catalogue key that tells a member who will see the answer."""
        return f"profile.visibility.{self.value}"


@dataclass(frozen=True, slots=True)
class VisibleField:
    """One answer a viewer may see: its question (for label and rendering) and its value."""

    question: Question
    value: Answer


def may_see(
    question: Question, viewer_role: Role, *, viewer_is_subject: bool, public_place: bool
) -> bool:
    """Whether a viewer may see the answer to ``question`` in this place."""
    if public_place:
        return question.visibility is Visibility.EVERYONE and not question.is_email
    if viewer_is_subject:
        return True
    if question.is_email:
        return viewer_role >= Role.ADMIN
    return viewer_role >= question.visibility.least_role


def visible_fields(
    profile_values: Mapping[str, Answer],
    questionnaire: Questionnaire,
    viewer_role: Role,
    *,
    viewer_is_subject: bool,
    public_place: bool,
) -> tuple[VisibleField, ...]:
    """The answered fields a viewer may see, in questionnaire order."""
    return tuple(
        VisibleField(question, profile_values[question.id])
        for question in questionnaire.questions
        if _answered(profile_values.get(question.id))
        and may_see(
            question,
            viewer_role,
            viewer_is_subject=viewer_is_subject,
            public_place=public_place,
        )
    )


def _answered(value: object) -> bool:
    """Whether a stored value holds an answer (not missing, not empty)."""
    return isinstance(value, str | tuple | list) and len(value) > 0
