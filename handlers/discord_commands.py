"""The ``/pulse`` command group as Discord sees it: one declaration per subcommand.

Each subcommand only turns Discord's typed options back into the argument text the core
parses, so Slack and Discord share one parser and one set of messages.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands

from bot.community_setup import SETTINGS
from bot.i18n import text

SETUP_CHOICES = SETTINGS
DIGEST_CHOICES = ("preview", "send")


class CommandRunner(Protocol):
    """What the group needs from the connector."""

    async def run_command(
        self, interaction: discord.Interaction[Any], name: str, argument: str
    ) -> None:
        """Run one subcommand for an interaction."""


def described(key: str) -> app_commands.locale_str:
    """An English description from the catalogue, tagged with its key for translation."""
    return app_commands.locale_str(text("en", key), key=key)


def pulse_group(runner: CommandRunner) -> app_commands.Group:
    """The ``/pulse`` group; every subcommand defers to the core's router."""
    group = app_commands.Group(
        name="pulse", description=described("discord.pulse.description"), guild_only=True
    )

    @group.command(name="stats", description=described("discord.stats.description"))
    @app_commands.describe(days=described("discord.stats.days"))
    async def stats(
        interaction: discord.Interaction[Any],
        days: app_commands.Range[int, 1, 366] | None = None,
    ) -> None:
        await runner.run_command(interaction, "stats", "" if days is None else str(days))

    @group.command(name="tone", description=described("discord.tone.description"))
    @app_commands.describe(channel=described("discord.tone.channel"))
    async def tone(
        interaction: discord.Interaction[Any],
        channel: app_commands.AppCommandChannel | None = None,
    ) -> None:
        await runner.run_command(interaction, "tone", "" if channel is None else f"<#{channel.id}>")

    @group.command(name="setup", description=described("discord.setup.description"))
    @app_commands.describe(
        setting=described("discord.setup.setting"), value=described("discord.setup.value")
    )
    @app_commands.choices(
        setting=[app_commands.Choice(name=name, value=name) for name in SETUP_CHOICES]
    )
    async def setup(
        interaction: discord.Interaction[Any],
        setting: app_commands.Choice[str] | None = None,
        value: str = "",
    ) -> None:
        argument = f"{setting.value} {value}".strip() if setting else ""
        await runner.run_command(interaction, "setup", argument)

    @group.command(name="profile", description=described("discord.profile.description"))
    @app_commands.describe(link_code=described("discord.profile.link_code"))
    async def profile(interaction: discord.Interaction[Any], link_code: str | None = None) -> None:
        argument = f"link {link_code}" if link_code and link_code.strip() else ""
        await runner.run_command(interaction, "profile", argument)

    @group.command(name="privacy", description=described("discord.privacy.description"))
    async def privacy(interaction: discord.Interaction[Any]) -> None:
        await runner.run_command(interaction, "privacy", "")

    @group.command(name="experts", description=described("discord.experts.description"))
    @app_commands.describe(topic=described("discord.experts.topic"))
    async def experts(interaction: discord.Interaction[Any], topic: str) -> None:
        await runner.run_command(interaction, "experts", topic)

    @group.command(name="unanswered", description=described("discord.unanswered.description"))
    async def unanswered(interaction: discord.Interaction[Any]) -> None:
        await runner.run_command(interaction, "unanswered", "")

    _engagement_commands(group, runner)
    return group


def _engagement_commands(group: app_commands.Group, runner: CommandRunner) -> None:
    """``member``, ``inactive``, ``ambassadors`` and ``digest`` (moderators)."""

    @group.command(name="member", description=described("discord.member.description"))
    @app_commands.describe(user=described("discord.member.user"))
    async def member(interaction: discord.Interaction[Any], user: discord.User) -> None:
        await runner.run_command(interaction, "member", f"<@{user.id}>")

    @group.command(name="inactive", description=described("discord.inactive.description"))
    async def inactive(interaction: discord.Interaction[Any]) -> None:
        await runner.run_command(interaction, "inactive", "")

    @group.command(name="ambassadors", description=described("discord.ambassadors.description"))
    async def ambassadors(interaction: discord.Interaction[Any]) -> None:
        await runner.run_command(interaction, "ambassadors", "")

    @group.command(name="digest", description=described("discord.digest.description"))
    @app_commands.describe(action=described("discord.digest.action"))
    @app_commands.choices(
        action=[app_commands.Choice(name=name, value=name) for name in DIGEST_CHOICES]
    )
    async def digest(
        interaction: discord.Interaction[Any], action: app_commands.Choice[str] | None = None
    ) -> None:
        await runner.run_command(interaction, "digest", action.value if action else "preview")
