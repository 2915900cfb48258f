"""Configuration: one TOML file, secrets from the environment, every key checked.

Unknown keys are an error, so a typo never silently falls back to a default. Errors
name the file and the dotted key, because that is what an operator has to fix.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.profiles.schema import ProfileConfig

SUPPORTED_LOCALES = ("en", "fr")

# Environment variables that may carry secrets instead of the file: (section, key).
ENV_SECRETS: dict[str, tuple[str, str]] = {
    "DISCORD_TOKEN": ("discord", "token"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "DATABASE_URL": ("database", "url"),
}


class ConfigError(Exception):
    """The configuration is wrong; the message names the file and the key."""


class _Section(BaseModel):
    """Base for config sections: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    """Where Pulse keeps its data."""

    url: str = "sqlite:///pulse.db"
    busy_timeout_ms: int = Field(default=5000, ge=0)


class PrivacyConfig(_Section):
    """What Pulse may keep about members."""

    store_message_text: bool = False


class IngestConfig(_Section):
    """The batched writer that every platform event goes through."""

    batch_size: int = Field(default=500, ge=1, le=10_000)
    queue_limit: int = Field(default=20_000, ge=10)
    retry_seconds: float = Field(default=1.0, gt=0)
    analysis_workers: int = Field(default=1, ge=0, le=16)


class DiscordConfig(_Section):
    """Discord bot connection; enabled when ``token`` is set."""

    token: str = ""
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    shard_ids: list[int] | None = None
    shard_count: int | None = Field(default=None, ge=1)
    moderator_role_ids: list[str] = Field(default_factory=list)
    sync_commands: bool = True

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordConfig:
        # discord.py needs the total to place given shards; each id must lie inside it.
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count")
            if any(not 0 <= shard < self.shard_count for shard in self.shard_ids):
                raise ValueError(f"shard_ids must lie in 0..{self.shard_count - 1}")
        return self

    @property
    def enabled(self) -> bool:
        """A platform is enabled when its credentials are present."""
        return bool(self.token)


class SlackConfig(_Section):
    """Slack app connection; enabled when ``bot_token`` and ``signing_secret`` are set."""

    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    mode: Literal["socket", "http"] = "socket"
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    api_base_url: str = "https://slack.com/api/"
    moderator_user_ids: list[str] = Field(default_factory=list)
    moderator_usergroup_ids: list[str] = Field(default_factory=list)

    @field_validator("api_base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk silently drops the last path segment of a base URL without one.
        return value if value.endswith("/") else value + "/"

    @property
    def enabled(self) -> bool:
        """A platform is enabled when its credentials are present."""
        return bool(self.bot_token and (self.signing_secret or self.app_token))


class OpsConfig(_Section):
    """Where the health and metrics endpoint listens (keep it private)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class WeightsConfig(_Section):
    """What each kind of activity is worth in a member's level score."""

    post: float = Field(default=1.0, ge=0)
    reply: float = Field(default=2.0, ge=0)
    reaction_given: float = Field(default=0.25, ge=0)
    reaction_received: float = Field(default=0.1, ge=0)
    reactor: float = Field(default=0.5, ge=0)
    thanked: float = Field(default=2.0, ge=0)


class EngagementConfig(_Section):
    """How levels are computed: activity weights, the score's window, the demotion grace."""

    weights: WeightsConfig = Field(default_factory=WeightsConfig)
    window_days: int = Field(default=30, ge=7, le=180)
    grace_days: int = Field(default=14, ge=0, le=90)


class LoggingConfig(_Section):
    """How much Pulse says about itself."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    """The whole configuration of one Pulse process."""

    locale: Literal["en", "fr"] = "en"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    ops: OpsConfig = Field(default_factory=OpsConfig)
    engagement: EngagementConfig = Field(default_factory=EngagementConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    profile: ProfileConfig = Field(default_factory=ProfileConfig)


def _describe(error: Mapping[str, Any]) -> str:
    """One readable line for one pydantic error: the dotted key and what is wrong."""
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}' (see config.example.toml for the valid keys)"
    if error["type"] == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"key '{key}' must be one of {expected}, not {error.get('input')!r}"
    return f"key '{key}': {error['msg']} (got {error.get('input')!r})"


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Overlay secrets and DATABASE_URL from the environment onto the file's values."""
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in raw.items()}
    for variable, (section, key) in ENV_SECRETS.items():
        value = environ.get(variable)
        if value:
            target = merged.setdefault(section, {})
            if isinstance(target, dict):
                target[key] = value
    return merged


def parse_config(
    raw: Mapping[str, Any], *, source: str = "config", environ: Mapping[str, str] | None = None
) -> Config:
    """Validate raw TOML data (plus environment) into a Config, or raise ConfigError."""
    merged = _apply_environment(dict(raw), os.environ if environ is None else environ)
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        lines = [f"{source}: {_describe(error)}" for error in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; no file means defaults plus environment."""
    if path is None:
        return parse_config({}, source="(defaults)", environ=environ)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (copy config.example.toml to start)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, source=str(path), environ=environ)
