"""``/pulse member``, ``/pulse inactive`` and ``/pulse ambassadors`` (moderators), and the
ambassador buttons: approve (granting the configured role or user group), defer, reject.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime

from bot.actions import ActionHandler, Actions
from bot.commands import Commands
from bot.i18n import Translator
from bot.insight.render import (
    ambassador_buttons,
    ambassador_line,
    drift_line,
    member_part,
    return_line,
)
from bot.insight.service import EngagementService
from bot.ports import ActionCall, CommandCall, Outbox, Reply, ReplyPart, Role, combine
from bot.settings import SettingsStore

# Slack <@U123|name> or <@U123>, Discord <@123> or <@!123>, or a bare id.
MENTION = re.compile(r"^<@!?([A-Z0-9]{2,}|\d{5,21})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{6,}|\d{15,21})$")
LISTED = 10


def mentioned_user(argument: str) -> str | None:
    """The user id a command argument names, or None."""
    match = MENTION.match(argument.strip())
    return next((group for group in match.groups() if group), None) if match else None


class InsightCommands:
    """The engagement commands and the ambassador actions of one process."""

    def __init__(
        self,
        service: EngagementService,
        settings: SettingsStore,
        *,
        now: Callable[[], datetime],
        outbox_for: Callable[[str], Outbox | None],
    ) -> None:
        self._service = service
        self._settings = settings
        self._now = now
        self._outbox_for = outbox_for

    def install(self, commands: Commands, actions: Actions) -> None:
        """Register the commands and the button actions (moderators and up)."""
        commands.register("member", Role.MODERATOR, self.member)
        commands.register("inactive", Role.MODERATOR, self.inactive)
        commands.register("ambassadors", Role.MODERATOR, self.ambassadors)
        for decision in ("approve", "defer", "reject"):
            actions.register(f"ambassador.{decision}", Role.MODERATOR, self._decide(decision))

    async def member(self, call: CommandCall, say: Translator) -> Reply:
        """A member's level, the reasons for it, their reach and rhythm."""
        user = mentioned_user(call.argument)
        if user is None:
            return Reply(lines=(say("engagement.member_usage"),))
        part = await self.member_part(call.community, user, say)
        return combine(say("engagement.member_title", user=f"<@{user}>"), [part])

    async def member_part(self, community: str, user: str, say: Translator) -> ReplyPart:
        """A member's level, reasons, reach and rhythm, to show alone or after a profile."""
        found = await asyncio.to_thread(self._service.member, community, user, self._now())
        return member_part(found, say)

    async def inactive(self, call: CommandCall, say: Translator) -> Reply:
        """Members drifting away, most valuable first, and those who came back."""
        found = await asyncio.to_thread(self._service.drifting, call.community, self._now())
        lines = [drift_line(item, say) for item in found.drifts[:LISTED]]
        if not lines:
            lines = [say("engagement.none_drifting")]
        if found.returns:
            lines += ["", say("engagement.returns_title")]
            lines += [return_line(item, say) for item in found.returns[:LISTED]]
        return Reply(
            title=say("engagement.inactive_title"),
            lines=tuple(lines),
            footer=say("engagement.inactive_footer"),
        )

    async def ambassadors(self, call: CommandCall, say: Translator) -> Reply:
        """Ambassador candidates with the evidence, and buttons to decide."""
        network = await asyncio.to_thread(self._service.network, call.community, self._now())
        candidates = network.ambassadors if network else []
        if not candidates:
            return Reply(
                title=say("engagement.ambassadors_title"),
                lines=(say("engagement.no_candidates"),),
            )
        names = await asyncio.to_thread(
            self._service.names, call.community, [item.member for item in candidates]
        )
        lines = [ambassador_line(item, say) for item in candidates]
        if network and network.bridges:
            lines += ["", say("engagement.bridges_title")]
            lines += [
                say(
                    "engagement.bridge",
                    user=f"<@{bridge.member}>",
                    channels=" ".join(f"<#{c}>" for c in bridge.channels[:3]),
                )
                for bridge in network.bridges[:3]
            ]
        return Reply(
            title=say("engagement.ambassadors_title"),
            lines=tuple(lines),
            buttons=ambassador_buttons(candidates, say, lambda user: names.get(user, user)),
            footer=say("engagement.ambassadors_footer"),
        )

    def _decide(self, decision: str) -> ActionHandler:
        """The handler of one ambassador button."""

        async def handle(call: ActionCall, say: Translator) -> Reply:
            user = mentioned_user(call.value)
            if user is None:
                return Reply(lines=(say("action.unknown"),))
            stored = {"approve": "approved", "defer": "deferred", "reject": "rejected"}[decision]
            await asyncio.to_thread(
                lambda: self._service.decide(
                    call.community, user, stored, by=call.user_id, now=self._now()
                )
            )
            lines = [say(f"ambassador.done_{stored}", user=f"<@{user}>")]
            if decision == "approve":
                lines.append(await self._grant(call.community, user, say))
            return Reply(lines=tuple(lines))

        return handle

    async def _grant(self, community: str, user: str, say: Translator) -> str:
        """Give an approved ambassador the configured role or user group, and say how it went."""
        role = (await asyncio.to_thread(self._settings.get, community)).ambassador_role
        if not role:
            return say("ambassador.no_role")
        outbox = self._outbox_for(community)
        if outbox is not None and await outbox.grant_role(community, user, role):
            return say("ambassador.role_granted", role=role)
        return say("ambassador.role_failed", role=role)
