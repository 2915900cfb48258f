"""The /pulse router: roles, refusals that leak nothing, argument errors that explain."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.commands import Commands, parse_days
from bot.ports import CommandCall, Role
from bot.settings import SettingsStore
from tests.factories import COMMUNITY, T0, message


def _call(role: Role, name: str = "stats", argument: str = "", locale: str = "en") -> CommandCall:
    return CommandCall(COMMUNITY, "UX", role, name, argument, locale=locale)


def _router(engine: sa.Engine) -> Commands:
    return Commands(engine, SettingsStore(engine), now=lambda: T0 + timedelta(days=1))


async def test_moderator_gets_the_figures(engine: sa.Engine) -> None:
    ActivityStore(engine, store_text=False).write(
        [message("1.0", "UA", 1), message("2.0", "UB", 2)]
    )
    reply = await _router(engine).handle(_call(Role.MODERATOR))
    fields = dict(reply.fields)
    assert fields["Messages"] == "2"
    assert fields["Active members"] == "2"
    assert reply.ephemeral


async def test_member_is_refused_and_nothing_leaks(engine: sa.Engine) -> None:
    ActivityStore(engine, store_text=False).write([message("1.0", "UA", 1)])
    reply = await _router(engine).handle(_call(Role.MEMBER))
    assert reply.fields == ()
    assert "moderators" in reply.as_text()
    assert not any(char.isdigit() for char in reply.as_text())


async def test_garbage_days_explain_the_expected_form(engine: sa.Engine) -> None:
    for argument in ("seven", "-3", "0", "99999", "３", "7; DROP TABLE activity"):
        reply = await _router(engine).handle(_call(Role.ADMIN, argument=argument))
        assert "whole number from 1 to 366" in reply.as_text(), argument
        assert reply.fields == ()


async def test_french_replies(engine: sa.Engine) -> None:
    reply = await _router(engine).handle(_call(Role.ADMIN, argument="3", locale="fr"))
    assert reply.title == "Activité des 3 derniers jours"
    refused = await _router(engine).handle(_call(Role.MEMBER, locale="fr"))
    assert "réservée aux modérateurs" in refused.as_text()


async def test_unknown_subcommand_lists_the_known_ones(engine: sa.Engine) -> None:
    reply = await _router(engine).handle(_call(Role.MEMBER, name="frobnicate"))
    assert "frobnicate" in reply.as_text()
    assert "`stats`" in reply.as_text()


def test_parse_days() -> None:
    assert parse_days("") == 7
    assert parse_days(" 30 ") == 30
    assert parse_days("366") == 366
    assert parse_days("367") is None
    assert parse_days("1.5") is None
