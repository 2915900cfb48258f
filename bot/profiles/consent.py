"""Consent to the profile notice: what was agreed to, when, and whether it still holds.

Nothing a member types is stored before they agree to the notice shown with the form.
The agreement is kept as the notice version and the time; a community that changes its
notice raises the version, and from then on an older agreement no longer covers new
answers: the member is shown the new notice and asked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

NOTICE_TITLE = "profile.notice.title"
NOTICE_BODY = "profile.notice.body"
NOTICE_VERSION = "profile.notice.version"
NOTICE_AGREE = "profile.notice.agree"
NOTICE_DECLINE = "profile.notice.decline"
NOTICE_CHANGED = "profile.notice.changed"

NOTICE_KEYS = (NOTICE_TITLE, NOTICE_BODY, NOTICE_VERSION, NOTICE_AGREE, NOTICE_DECLINE)
"""The texts of the notice shown with the form (the version line takes ``{version}``)."""


@dataclass(frozen=True, slots=True)
class Consent:
    """A member's agreement to one version of the notice, at a moment in UTC."""

    notice_version: int
    given_at: datetime

    def __post_init__(self) -> None:
        """Refuse versions below 1 and naive times; store the time in UTC."""
        if self.notice_version < 1:
            raise ValueError("notice_version must be 1 or more")
        if self.given_at.tzinfo is None or self.given_at.utcoffset() is None:
            raise ValueError("given_at must carry a time zone")
        object.__setattr__(self, "given_at", self.given_at.astimezone(UTC))


def give_consent(notice_version: int, now: datetime) -> Consent:
    """The record of a member agreeing, now, to the notice of ``notice_version``."""
    return Consent(notice_version=notice_version, given_at=now)


def consent_covers(consent: Consent | None, notice_version: int) -> bool:
    """Whether a stored consent covers the current notice: it must be for that very version.

    A newer notice may say more than the one agreed to, and an older one (after a rollback)
    is not the text the member read: either way the member is asked again.
    """
    return consent is not None and consent.notice_version == notice_version


def notice_keys(consent: Consent | None, notice_version: int) -> tuple[str, ...]:
    """The notice texts to show before the form: none when covered, a 'changed' line first
    when the member agreed to an earlier version."""
    if consent_covers(consent, notice_version):
        return ()
    changed = (NOTICE_CHANGED,) if consent is not None else ()
    return (*changed, *NOTICE_KEYS)


def custom_notice(notice: Mapping[str, str], locale: str | None) -> str | None:
    """A community's own notice text in ``locale`` (English when missing), if it set one."""
    return notice.get(locale or "en") or notice.get("en") or None
