"""Per-community settings, changed by admins with ``/pulse setup`` and kept as one document.

Reads are cached for a short time: many processes may share one PostgreSQL database, so a
change made in one reaches the others within ``CACHE_SECONDS`` without any messaging.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, ValidationError

from storage import queries, writes

log = logging.getLogger(__name__)

CACHE_SECONDS = 30.0


class CommunitySettings(BaseModel):
    """What admins configure for their community; every field has a safe default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    locale: Literal["en", "fr"] | None = None
    alert_channel: str | None = None
    digest_channel: str | None = None
    help_channels: tuple[str, ...] = ()
    moderator_roles: tuple[str, ...] = ()
    digest_cron: str = "0 9 * * mon"
    timezone: str = "UTC"
    hostile_terms: tuple[str, ...] = ()
    not_hostile_terms: tuple[str, ...] = ()
    staff_user_ids: tuple[str, ...] = ()
    """Members left out of every ranking, besides those the platform reports as staff."""
    ambassador_role: str | None = None
    """Discord role or Slack user group granted when moderators approve an ambassador."""
    # Member profiles: None follows the [profile] configuration; questions () asks them all.
    profile_welcome: bool | None = None
    profile_reminder_hours: float | None = None
    profile_questions: tuple[str, ...] = ()
    # Expert routing: mention experts when a question is asked; the radar's delays (minutes).
    expert_routing: bool = True
    expert_threshold: float | None = None
    radar_mention_minutes: int = 60
    radar_alert_minutes: int = 240


class SettingsStore:
    """Loads and saves community settings, with a short read cache."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._clock = clock
        self._cache: dict[str, tuple[float, CommunitySettings]] = {}
        self._listeners: list[Callable[[str, CommunitySettings], None]] = []
        self._watchers: list[Callable[[str], None]] = []

    def on_update(self, listener: Callable[[str, CommunitySettings], None]) -> None:
        """Call ``listener(community, settings)`` after each saved change (digest schedule)."""
        self._listeners.append(listener)

    def watch(self, watcher: Callable[[str], None]) -> None:
        """Be told (with the community) whenever this process changes a community's settings."""
        self._watchers.append(watcher)

    def get(self, community: str) -> CommunitySettings:
        """The community's settings (defaults when none were saved or they are unreadable)."""
        cached = self._cache.get(community)
        if cached and cached[0] > self._clock():
            return cached[1]
        with self._engine.connect() as connection:
            document = queries.community_settings(connection, community)
        settings = _parse(community, document)
        self._cache[community] = (self._clock() + CACHE_SECONDS, settings)
        return settings

    def update(self, community: str, **changes: object) -> CommunitySettings:
        """Apply validated changes and save them; raises ValueError on an invalid value."""
        current = self.get(community).model_dump()
        current.update(changes)
        try:
            settings = CommunitySettings.model_validate(current)
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"]) from None
        platform, _, external_id = community.partition(":")
        row = writes.CommunityRow(key=community, platform=platform, external_id=external_id)
        with self._engine.begin() as connection:
            writes.save_community_settings(
                connection, row, settings.model_dump_json(), int(time.time() * 1000)
            )
        self._cache[community] = (self._clock() + CACHE_SECONDS, settings)
        for watcher in self._watchers:
            watcher(community)
        for listener in self._listeners:
            try:
                listener(community, settings)
            except Exception:
                log.exception("a settings listener failed for %s", community)
        return settings

    def forget(self, community: str) -> None:
        """Drop the cached copy (after a purge)."""
        self._cache.pop(community, None)


def _parse(community: str, document: str | None) -> CommunitySettings:
    """Settings from stored JSON; a damaged document falls back to defaults, loudly."""
    if not document:
        return CommunitySettings()
    try:
        return CommunitySettings.model_validate(json.loads(document))
    except (ValueError, ValidationError):
        log.error(
            "settings of %s are unreadable; using defaults until an admin saves them", community
        )
        return CommunitySettings()
