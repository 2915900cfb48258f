"""The ``/pulse`` command group as Discord sees it: one declaration per subcommand.

Each subcommand only turns Discord's typed options back into the argument text the core
parses, so Slack and Discord share one parser and one set of messages.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands

from bot.community_setup import SETTINGS as SETUP_CHOICES
from bot.i18n import text


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

    return group
