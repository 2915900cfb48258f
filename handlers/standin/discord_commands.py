"""Interactions a stand-in test drives: slash commands, button clicks, modal submits."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.standin.discord_backend import Backend
from handlers.standin.discord_gateway import Gateway
from handlers.standin.discord_interactions import InteractionResult, Interactions, message_of
from handlers.standin.discord_world import JSON, Id, World


class InteractionDriver:
    """Mixin of DiscordStandin: dispatch an interaction, return what the bot answered."""

    world: World
    gateway: Gateway
    backend: Backend
    interactions: Interactions

    async def invoke_command(  # noqa: PLR0917
        self,
        guild_id: Id | None,
        channel_id: Id,
        user_id: Id,
        name: str,
        subcommand: str | None = None,
        options: Mapping[str, Any] | None = None,
        *,
        group: str | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109
        settle: float = 0.05,
        require_registered: bool = True,
    ) -> InteractionResult:
        """A user runs a slash command (e.g. /pulse stats days:7); returns what the bot answered."""
        gid = None if guild_id is None else str(guild_id)
        command = self.backend.command(gid, name)
        if command is None and require_registered:
            raise LookupError(f"command {name!r} is not registered (did the bot sync its tree?)")
        path = [p for p in (group, subcommand) if p is not None]
        payload = self.interactions.base(2, gid, str(channel_id), str(user_id), locale)
        data = self.interactions.command_data(
            command, name=name, path=path, options=options or {}, guild_id=gid, user_id=str(user_id)
        )
        payload["data"] = data
        return await self._interact(payload, timeout, settle)

    async def click_button(
        self,
        guild_id: Id | None,
        channel_id: Id,
        user_id: Id,
        message_id: Id,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        component_type: int = 2,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109
        settle: float = 0.05,
    ) -> InteractionResult:
        """A user clicks a button (or picks `values` in a select) on a message."""
        message = message_of(self.world, str(message_id))
        if message["channel_id"] != str(channel_id):
            raise LookupError(f"message {message_id} is not in channel {channel_id}")
        gid = None if guild_id is None else str(guild_id)
        payload = self.interactions.base(3, gid, str(channel_id), str(user_id), locale)
        chosen = None if values is None else list(values)
        payload["data"] = self.interactions.component_data(
            message, custom_id, component_type, chosen
        )
        payload["message"] = message
        return await self._interact(payload, timeout, settle)

    async def submit_modal(
        self,
        guild_id: Id | None,
        channel_id: Id,
        user_id: Id,
        custom_id: str,
        values: Mapping[str, str],
        *,
        strict: bool = True,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109
        settle: float = 0.05,
    ) -> InteractionResult:
        """A user submits a modal the bot opened; `values` maps input custom_id to text."""
        gid = None if guild_id is None else str(guild_id)
        payload = self.interactions.base(5, gid, str(channel_id), str(user_id), locale)
        payload["data"] = self.interactions.modal_data(custom_id, values, strict)
        origin = self.interactions.modal_messages.get(custom_id)
        if origin is not None and origin in self.world.messages:
            payload["message"] = message_of(self.world, origin)
        return await self._interact(payload, timeout, settle)

    async def _interact(self, payload: JSON, within: float, settle: float) -> InteractionResult:
        result = self.interactions.track(payload)
        reached = await self.gateway.dispatch(
            payload.get("guild_id"), "INTERACTION_CREATE", payload
        )
        if not reached:
            raise LookupError(f"no connected client receives guild {payload.get('guild_id')}")
        start = result.dispatched_at
        await result.wait_for(lambda r: r.callback is not None, within)
        if result.type == 5:
            remaining = max(within - (time.monotonic() - start), 0)
            await result.wait_for(_deferred_answer_arrived, remaining)
        if result.callback is not None and settle > 0:
            await result.wait_for(lambda r: False, settle)
        return result


def _deferred_answer_arrived(result: InteractionResult) -> bool:
    """After a deferral: whether the bot followed up, edited or deleted the response."""
    return bool(result.followups or result.edits or result.original_deleted)
