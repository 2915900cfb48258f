"""Member profiles, the platform-free core: questionnaire, normalisers, validation,
visibility and consent.

Plain values and pure functions only. The forms (Slack and Discord modals), the tables and
the ``/pulse profile`` and ``/pulse member`` commands are built on this API elsewhere.
"""

from __future__ import annotations

from bot.profiles.answers import ValidationResult, validate
from bot.profiles.consent import Consent, consent_covers, give_consent, notice_keys
from bot.profiles.display import as_fields, display_value
from bot.profiles.errors import FieldError
from bot.profiles.geo import warm_up
from bot.profiles.normalise import (
    Synonyms,
    normalise_country,
    normalise_email,
    normalise_region,
    normalise_tags,
    normalise_text,
)
from bot.profiles.questionnaire import (
    Answer,
    Choice,
    Kind,
    Question,
    Questionnaire,
    Widget,
    default_questionnaire,
)
from bot.profiles.schema import ProfileConfig, QuestionnaireError, load_questionnaire
from bot.profiles.submission import Decision, Outcome, decide
from bot.profiles.visibility import Visibility, VisibleField, may_see, visible_fields

__all__ = [
    "Answer",
    "Choice",
    "Consent",
    "Decision",
    "FieldError",
    "Kind",
    "Outcome",
    "ProfileConfig",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Synonyms",
    "ValidationResult",
    "Visibility",
    "VisibleField",
    "Widget",
    "as_fields",
    "consent_covers",
    "decide",
    "default_questionnaire",
    "display_value",
    "give_consent",
    "load_questionnaire",
    "may_see",
    "normalise_country",
    "normalise_email",
    "normalise_region",
    "normalise_tags",
    "normalise_text",
    "notice_keys",
    "validate",
    "visible_fields",
    "warm_up",
]
