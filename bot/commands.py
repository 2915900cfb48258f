"""The ``/pulse`` commands, platform-agnostic: parse, check the caller's role, answer.

Handlers translate a slash command into a :class:`CommandCall` (with the caller's role
already worked out from platform permissions) and render the returned :class:`Reply`
natively (Slack Block Kit, Discord embed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa

from bot.community_setup import setup_command
from bot.i18n import Translator
from bot.ports import CommandCall, Reply, ReplyOrForm, Role
from bot.profiles.questionnaire import DEFAULT_QUESTION_IDS
from bot.settings import SettingsStore
from bot.stats import MAX_DAYS, Window, community_stats

log = logging.getLogger(__name__)

Now = Callable[[], datetime]


Handler = Callable[[CommandCall, Translator], Awaitable[ReplyOrForm]]


@dataclass(frozen=True, slots=True)
class _Command:
    """A registered subcommand and the least role allowed to run it."""

    handler: Handler
    role: Role


class Commands:
    """Routes ``/pulse`` subcommands to their use cases."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        *,
        locale: str = "en",
        now: Now | None = None,
        question_ids: tuple[str, ...] = DEFAULT_QUESTION_IDS,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._locale = locale
        self._now = now or (lambda: datetime.now(UTC))
        self._commands: dict[str, _Command] = {}
        self.register("stats", Role.MODERATOR, self._stats)
        setup = partial(setup_command, settings, question_ids=question_ids)
        self.register("setup", Role.ADMIN, setup)

    def register(self, name: str, role: Role, handler: Handler) -> None:
        """Make ``/pulse <name>`` run ``handler`` for callers with at least ``role``."""
        self._commands[name] = _Command(handler, role)

    @property
    def names(self) -> list[str]:
        """Subcommands known to this router."""
        return sorted(self._commands)

    async def locale_for(self, community: str) -> str:
        """The language a community reads: its own setting, else the configured default."""
        settings = await asyncio.to_thread(self._settings.get, community)
        return settings.locale or self._locale

    async def handle(self, call: CommandCall) -> ReplyOrForm:
        """Answer one call (a reply or a form); refusals and errors are replies, never raised."""
        say = Translator(call.locale or await self.locale_for(call.community))
        available = ", ".join(f"`{name}`" for name in self.names)
        name = call.name.strip().lower()
        if not name or name == "help":
            return Reply(lines=(say("command.help", available=available),))
        command = self._commands.get(name)
        if command is None:
            return Reply(lines=(say("command.unknown", name=name[:40], available=available),))
        if call.role < command.role:
            key = "command.refused_admin" if command.role is Role.ADMIN else "command.refused"
            return Reply(lines=(say(key),))
        try:
            return await command.handler(call, say)
        except Exception:
            log.exception("command %s failed for %s", name, call.community)
            return Reply(lines=(say("command.failed"),))

    async def _stats(self, call: CommandCall, say: Translator) -> Reply:
        """``/pulse stats [days]``: the activity KPIs over the last days (default 7)."""
        days = parse_days(call.argument)
        if days is None:
            return Reply(lines=(say("stats.bad_days", value=call.argument[:40], maximum=MAX_DAYS),))
        window = Window.last_days(self._now(), days)
        stats = await asyncio.to_thread(community_stats, self._engine, call.community, window)
        title = say("stats.title_one") if days == 1 else say("stats.title", days=days)
        fields = tuple(
            (say(f"stats.{key}"), str(stats[key]))
            for key in (
                "messages",
                "replies",
                "threads",
                "reactions",
                "active_members",
                "new_members",
            )
        )
        footer = say(
            "stats.window",
            since=window.since.strftime("%Y-%m-%d %H:%M"),
            until=window.until.strftime("%Y-%m-%d %H:%M"),
        )
        return Reply(title=title, fields=fields, footer=footer)


def parse_days(argument: str, default: int = 7) -> int | None:
    """A number of days from 1 to MAX_DAYS, the default when empty, None when invalid."""
    value = argument.strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        return None
    days = int(value)
    return days if 1 <= days <= MAX_DAYS else None
