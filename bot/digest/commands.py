"""``/pulse digest [preview|send]`` (moderators): show the digest to the caller, or post it
to the digest channel now (once per period, like the scheduled one)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.digest import render
from bot.digest.service import DigestService, Outcome
from bot.i18n import Translator
from bot.ports import CommandCall, Reply

OUTCOME_KEYS = {
    Outcome.POSTED: "digest.sent",
    Outcome.ALREADY: "digest.already",
    Outcome.NO_CHANNEL: "digest.no_channel",
    Outcome.NO_OUTBOX: "digest.no_outbox",
    Outcome.FAILED: "digest.failed",
}


class DigestCommand:
    """Answers ``/pulse digest``."""

    def __init__(self, digests: DigestService, now: Callable[[], datetime]) -> None:
        self._digests = digests
        self._now = now

    async def __call__(self, call: CommandCall, say: Translator) -> Reply:
        """``preview`` (the default) or ``send``."""
        action = call.argument.strip().lower() or "preview"
        if action == "preview":
            due = await asyncio.to_thread(self._digests.due, call.community, self._now())
            digest = await asyncio.to_thread(
                lambda: self._digests.build(call.community, due, final=False)
            )
            return render.preview(digest, say)
        if action == "send":
            result = await self._digests.post(call.community)
            channel = f"<#{result.channel}>" if result.channel else ""
            return Reply(
                lines=(say(OUTCOME_KEYS[result.outcome], period=result.period, channel=channel),)
            )
        return Reply(lines=(say("digest.usage", value=action[:40]),))
