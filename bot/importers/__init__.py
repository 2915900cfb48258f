"""History importers: Slack exports and DiscordChatExporter files as ``bot.events`` values.

Readers stream: ``events()`` is a generator over an export's facts, keyed exactly like the
live events of the same facts, so storage deduplicates re-imports and overlaps.
"""

from bot.importers.base import (
    BadFile,
    ExportError,
    ExportReader,
    ImportedChannel,
    ImportedCommunity,
    ImportedMember,
    ImportProblem,
    ProgressCallback,
    reaction_key,
)
from bot.importers.discord_export import DiscordExportReader, read_discord_export
from bot.importers.slack_export import SlackExportReader, read_slack_export

__all__ = [
    "BadFile",
    "DiscordExportReader",
    "ExportError",
    "ExportReader",
    "ImportProblem",
    "ImportedChannel",
    "ImportedCommunity",
    "ImportedMember",
    "ProgressCallback",
    "SlackExportReader",
    "reaction_key",
    "read_discord_export",
    "read_slack_export",
]
