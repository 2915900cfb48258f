"""Submitted forms, platform-agnostic: each form name routes to the use case that drew it.

A form comes back from the edge as a :class:`FormSubmission`. Forms outlive restarts (a
modal can stay open for a while), so a form unknown to this process gets a polite
reply, and a failing use case a generic apology: never an exception at the edge.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.i18n import Translator
from bot.ports import FormResult, FormSubmission, Reply

log = logging.getLogger(__name__)

FormHandler = Callable[[FormSubmission, Translator], Awaitable[FormResult]]

FORM_PREFIX = "pulse-form:"
"""How the edges mark a form as Pulse's (Slack callback id, Discord modal custom id)."""


class Forms:
    """Routes submitted forms to their use cases."""

    def __init__(self, locale_for: Callable[[str], Awaitable[str]]) -> None:
        self._locale_for = locale_for
        self._forms: dict[str, FormHandler] = {}

    def register(self, form: str, handler: FormHandler) -> None:
        """Make submissions of forms named ``form`` run ``handler``."""
        self._forms[form] = handler

    async def handle(self, submission: FormSubmission) -> FormResult:
        """Answer one submission; unknown forms and failures are replies, never raised."""
        say = Translator(await self._locale_for(submission.community))
        handler = self._forms.get(submission.form)
        if handler is None:
            return FormResult(Reply(lines=(say("form.unknown"),)))
        try:
            return await handler(submission, say)
        except Exception:
            log.exception("form %s failed for %s", submission.form, submission.community)
            return FormResult(Reply(lines=(say("command.failed"),)))


def community_of(where: str, claimed: str) -> str | None:
    """The community a button or form acts on: where it was used, or the one it names.

    A button sent by direct message (Discord) is clicked outside any community, so its
    value names the community; the platform must still match. Inside a community, a
    value naming another one is refused.
    """
    platform, _, external_id = where.partition(":")
    if external_id:
        return where if claimed in ("", where) else None
    claimed_platform, _, claimed_id = claimed.partition(":")
    return claimed if claimed_id and claimed_platform == platform else None
