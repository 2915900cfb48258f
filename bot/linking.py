"""Linking a member's accounts on two platforms to one profile, with a one-time code.

Consent-based and exact: the member asks for a code on the account that has a profile
and types it on the other; nothing is ever matched by name or email. A code is short-lived,
works once, is kept only as a hash, and links an account only if it has no profile of
its own (two profiles are never merged: the member deletes one first).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from bot.forms import community_of
from bot.i18n import Translator
from bot.ports import ActionCall, Reply
from storage import profiles as db

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that cannot be mistaken for one another (no I, O, 0, 1)."""
CODE_LENGTH = 8
CODE_MINUTES = 15
_CODE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


class Linked(StrEnum):
    """How redeeming a code went; each value is the catalogue key of the reply."""

    DONE = "link.done"
    BAD_CODE = "link.bad_code"
    ALREADY = "link.already"
    HAS_PROFILE = "link.has_profile"
    SAME_COMMUNITY = "link.same_community"


def new_code() -> str:
    """A fresh random code, shown as two groups of four (``ABCD-EFGH``)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def canonical(text: str) -> str | None:
    """A typed code without spaces, dashes or case; None when it cannot be a code."""
    code = re.sub(r"[\s\-]", "", text).upper()
    return code if _CODE.match(code) else None


def code_hash(code: str) -> str:
    """What is stored of a code (hex SHA-256 of its canonical form)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


class Linking:
    """Issues and redeems link codes."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        now: Callable[[], datetime],
        locale_for: Callable[[str], Awaitable[str]],
    ) -> None:
        self._engine = engine
        self._now = now
        self._locale_for = locale_for

    def _now_ms(self) -> int:
        """The app clock in epoch milliseconds."""
        return int(self._now().timestamp() * 1000)

    async def issue_action(self, call: ActionCall, say: Translator) -> Reply:
        """The "link another account" button: a code for the clicker's profile."""
        community = community_of(call.community, call.value)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        return await self.issue(community, call.user_id)

    async def issue(self, community: str, user_id: str) -> Reply:
        """A new code for the member's profile, or why there is none."""
        say = Translator(await self._locale_for(community))
        code = new_code()
        stored = await asyncio.to_thread(self._store, community, user_id, code)
        if not stored:
            return Reply(lines=(say("link.no_profile"),))
        return Reply(lines=(say("link.code", code=code, minutes=CODE_MINUTES),))

    def _store(self, community: str, user_id: str, code: str) -> bool:
        """Keep the code's hash for the member's profile; False without a profile."""
        now_ms = self._now_ms()
        with self._engine.begin() as connection:
            who = db.account(connection, community, user_id)
            profile_id = db.profile_id_of(connection, who) if who else None
            if profile_id is None:
                return False
            expires = now_ms + CODE_MINUTES * 60_000
            db.store_link_code(
                connection, code_hash(canonical(code) or ""), profile_id, expires, now_ms
            )
        return True

    async def redeem(self, community: str, user_id: str, typed: str) -> Reply:
        """Link the member's account here to the profile the code was issued for."""
        say = Translator(await self._locale_for(community))
        code = canonical(typed)
        if code is None:
            return Reply(lines=(say(Linked.BAD_CODE),))
        outcome = await asyncio.to_thread(self._redeem, community, user_id, code)
        return Reply(lines=(say(outcome),))

    def _redeem(self, community: str, user_id: str, code: str) -> Linked:
        """Spend the code and attach the account, in one transaction."""
        now_ms = self._now_ms()
        with self._engine.begin() as connection:
            community_id = db.ensure_community(connection, community, now_ms)
            who = db.Account(community_id, community, user_id)
            own = db.profile_id_of(connection, who)
            target = db.take_link_code(connection, code_hash(code), now_ms)
            if target is None:
                return Linked.BAD_CODE
            if own == target:
                return Linked.ALREADY
            if own is not None:
                return Linked.HAS_PROFILE
            profile = db.load_profile(connection, target)
            if profile is None:
                return Linked.BAD_CODE
            if any(account.community_id == community_id for account in profile.accounts):
                return Linked.SAME_COMMUNITY
            db.attach_account(connection, target, who, now_ms)
        return Linked.DONE
