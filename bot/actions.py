"""Button clicks, platform-agnostic: each action name routes to a use case, with a role check.

A button carries ``action`` and a short ``value`` (an id); the click comes back from the
edge as an :class:`ActionCall`. Buttons outlive restarts, so an action unknown to this
process (an old message, a feature since removed) gets a polite reply, not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.i18n import Translator
from bot.ports import ActionCall, Reply, ReplyOrForm, Role

log = logging.getLogger(__name__)

ActionHandler = Callable[[ActionCall, Translator], Awaitable[ReplyOrForm]]


@dataclass(frozen=True, slots=True)
class _Action:
    """A registered action and the least role allowed to trigger it."""

    handler: ActionHandler
    role: Role


class Actions:
    """Routes button clicks to their use cases."""

    def __init__(self, locale_for: Callable[[str], Awaitable[str]]) -> None:
        self._locale_for = locale_for
        self._actions: dict[str, _Action] = {}

    def register(self, action: str, role: Role, handler: ActionHandler) -> None:
        """Make clicks on buttons with this ``action`` run ``handler`` for ``role`` and above."""
        self._actions[action] = _Action(handler, role)

    async def handle(self, call: ActionCall) -> ReplyOrForm:
        """Answer one click (a reply or a form); refusals and failures are replies, never raised."""
        say = Translator(await self._locale_for(call.community))
        registered = self._actions.get(call.action)
        if registered is None:
            return Reply(lines=(say("action.unknown"),))
        if call.role < registered.role:
            return Reply(lines=(say("command.refused"),))
        try:
            return await registered.handler(call, say)
        except Exception:
            log.exception("action %s failed for %s", call.action, call.community)
            return Reply(lines=(say("command.failed"),))
