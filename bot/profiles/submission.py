"""What to do with a submitted profile form: save, do nothing, or send it back.

One pure decision, so that the use case that stores profiles has no rule of its own:
answers are saved only with a consent covering the current notice, only when every answer
is valid, and only when something changed (a form submitted twice is a harmless no-op).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.profiles.answers import ValidationResult, validate
from bot.profiles.consent import Consent, consent_covers, give_consent
from bot.profiles.errors import FieldError
from bot.profiles.questionnaire import Answer, Questionnaire


class Outcome(StrEnum):
    """What the caller does next."""

    SAVE = "save"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    NEEDS_CONSENT = "needs_consent"


MESSAGE_KEYS = {
    Outcome.SAVE: "profile.saved",
    Outcome.UNCHANGED: "profile.unchanged",
    Outcome.INVALID: "profile.errors_intro",
    Outcome.NEEDS_CONSENT: "profile.consent_needed",
}
"""The catalogue key that tells the member what happened."""


@dataclass(frozen=True)
class Decision:
    """The outcome; with SAVE, the values and the consent to store together in one go."""

    outcome: Outcome
    values: Mapping[str, Answer] = field(default_factory=dict)
    consent: Consent | None = None
    errors: Mapping[str, FieldError] = field(default_factory=dict)
    raw: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    @property
    def message_key(self) -> str:
        """The catalogue key of the reply to the member."""
        return MESSAGE_KEYS[self.outcome]


def decide(
    questionnaire: Questionnaire,
    raw_answers: Mapping[str, object],
    locale: str,
    *,
    now: datetime,
    agreed: bool,
    stored_consent: Consent | None = None,
    stored_values: Mapping[str, object] | None = None,
) -> Decision:
    """Decide on a full form: ``agreed`` says the member accepted the notice shown with it."""
    result = validate(questionnaire, raw_answers, locale)
    covered = consent_covers(stored_consent, questionnaire.notice_version)
    if not covered and not agreed:
        return _sent_back(Outcome.NEEDS_CONSENT, result)
    if not result.ok:
        return _sent_back(Outcome.INVALID, result)
    consent = stored_consent if covered else give_consent(questionnaire.notice_version, now)
    if covered and same_values(stored_values or {}, result.values):
        return Decision(Outcome.UNCHANGED, result.values, consent, raw=result.raw)
    return Decision(Outcome.SAVE, result.values, consent, raw=result.raw)


def _sent_back(outcome: Outcome, result: ValidationResult) -> Decision:
    """A decision that stores nothing and hands back the errors and the raw answers."""
    return Decision(outcome, errors=result.errors, raw=result.raw)


def same_values(stored: Mapping[str, object], fresh: Mapping[str, Answer]) -> bool:
    """Whether stored answers equal fresh ones (stored lists compare equal to tuples)."""

    def canonical(value: object) -> object:
        """Lists and tuples as tuples, so storage round trips compare equal."""
        return tuple(value) if isinstance(value, list | tuple) else value

    present = {key: canonical(value) for key, value in stored.items() if value not in (None, "")}
    present = {key: value for key, value in present.items() if value != ()}
    return present == {key: canonical(value) for key, value in fresh.items()}
