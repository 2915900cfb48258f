"""What is wrong with one answer, as a catalogue key and its parameters (never a sentence).

The platform layer turns a :class:`FieldError` into text in the reader's locale, so the
core stays language-free and the same error reads right in English and in French.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

REQUIRED = "profile.error.required"
NOT_TEXT = "profile.error.not_text"
TOO_LONG = "profile.error.too_long"
EMAIL_INVALID = "profile.error.email_invalid"
COUNTRY_UNKNOWN = "profile.error.country_unknown"
COUNTRY_SUGGEST = "profile.error.country_suggest"
CHOICE_UNKNOWN = "profile.error.choice_unknown"
TOO_MANY_CHOICES = "profile.error.too_many_choices"
TOO_MANY_TAGS = "profile.error.too_many_tags"
TAG_TOO_LONG = "profile.error.tag_too_long"

ERROR_KEYS = (
    REQUIRED,
    NOT_TEXT,
    TOO_LONG,
    EMAIL_INVALID,
    COUNTRY_UNKNOWN,
    COUNTRY_SUGGEST,
    CHOICE_UNKNOWN,
    TOO_MANY_CHOICES,
    TOO_MANY_TAGS,
    TAG_TOO_LONG,
)
"""Every key a normaliser or the validator may return; each is in the catalogue."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One answer's problem: a message-catalogue key and the values its text needs."""

    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)
