"""``/pulse setup``: admins change community settings; bad values are explained, not saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.commands import Commands
from bot.ports import CommandCall, Role
from bot.settings import CommunitySettings, SettingsStore

COMMUNITY = "slack:T0SETUP"


def _call(argument: str, role: Role = Role.ADMIN) -> CommandCall:
    return CommandCall(COMMUNITY, "UADMIN", role, "setup", argument)


@pytest.fixture
def store(engine: sa.Engine) -> SettingsStore:
    return SettingsStore(engine)


@pytest.fixture
def router(engine: sa.Engine, store: SettingsStore) -> Commands:
    return Commands(engine, store)


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("alerts <#C0MODS01|mods>", {"alert_channel": "C0MODS01"}),
        ("digest <#123456789012345678>", {"digest_channel": "123456789012345678"}),
        ("help <#C0HELP001|help> <#C0HELP002>", {"help_channels": ("C0HELP001", "C0HELP002")}),
        ("help none", {"help_channels": ()}),
        (
            "moderators <!subteam^S0MODS1|@mods> <@&223456789012345678>",
            {"moderator_roles": ("S0MODS1", "223456789012345678")},
        ),
        ("locale fr", {"locale": "fr"}),
        (
            "hostile-terms Wombat,  utter numpty , wombat",
            {"hostile_terms": ("wombat", "utter numpty")},
        ),
        ("not-hostile-terms none", {"not_hostile_terms": ()}),
        ("not-hostile-terms idiot", {"not_hostile_terms": ("idiot",)}),
        (
            "schedule 30 8 * * fri Europe/Paris",
            {"digest_cron": "30 8 * * fri", "timezone": "Europe/Paris"},
        ),
        (
            "staff <@U0ALICE1|alice> <@!123456789012345678>",
            {"staff_user_ids": ("U0ALICE1", "123456789012345678")},
        ),
        ("staff none", {"staff_user_ids": ()}),
        ("ambassador <!subteam^S0AMB01|@ambassadors>", {"ambassador_role": "S0AMB01"}),
        ("ambassador <@&223456789012345678>", {"ambassador_role": "223456789012345678"}),
        ("ambassador none", {"ambassador_role": None}),
    ],
)
async def test_admin_changes_a_setting(
    router: Commands, engine: sa.Engine, argument: str, expected: dict
) -> None:
    reply = await router.handle(_call(argument))
    assert reply.lines[0] in ("Saved.", "Enregistré.")
    saved = SettingsStore(engine).get(COMMUNITY)  # a fresh store reads the database
    for key, value in expected.items():
        assert getattr(saved, key) == value


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ("alerts general", "is not a channel"),
        ("alerts <#C0A1B2C3D> <#C0E4F5G6H>", "is not a channel"),
        ("moderators everyone", "is not a role"),
        ("locale de", "not a language Pulse speaks"),
        ("schedule every monday", "is not a schedule"),
        ("schedule 0 9 * * mon Mars/Olympus", "is not a schedule"),
        ("frobnicate 1", "Change a setting with"),
        ("staff alice", "is not a member"),
        ("ambassador <@&223456789012345678> <@&323456789012345678>", "is not a role"),
        ("ambassador", "is not a role"),
        ("hostile-terms", "is not a list of terms"),
        ("hostile-terms , ,", "is not a list of terms"),
        (f"not-hostile-terms {'x' * 61}", "is not a list of terms"),
    ],
)
async def test_bad_values_are_explained_and_nothing_is_saved(
    router: Commands, engine: sa.Engine, argument: str, says: str
) -> None:
    reply = await router.handle(_call(argument))
    assert says in reply.as_text()
    assert SettingsStore(engine).get(COMMUNITY) == CommunitySettings()


async def test_moderators_cannot_change_settings(router: Commands, engine: sa.Engine) -> None:
    reply = await router.handle(_call("locale fr", role=Role.MODERATOR))
    assert "administrators only" in reply.as_text()
    assert SettingsStore(engine).get(COMMUNITY).locale is None


async def test_the_community_locale_applies_to_later_replies(router: Commands) -> None:
    await router.handle(_call("locale fr"))
    refused = await router.handle(CommandCall(COMMUNITY, "UX", Role.MEMBER, "stats"))
    assert "réservée aux modérateurs" in refused.as_text()


async def test_setup_without_arguments_shows_the_settings(router: Commands) -> None:
    await router.handle(_call("alerts <#C0MODS01>"))
    reply = await router.handle(_call(""))
    assert dict(reply.fields)["Moderator alerts channel"] == "<#C0MODS01>"
    assert dict(reply.fields)["Digest schedule"] == "0 9 * * mon (UTC)"


async def test_admins_see_and_can_undo_what_moderators_cleared(
    router: Commands, store: SettingsStore
) -> None:
    store.update(COMMUNITY, not_hostile_terms=("idiot", "shut up"), hostile_terms=("wombat",))
    shown = dict((await router.handle(_call(""))).fields)
    assert shown["Terms cleared as not hostile"] == "idiot, shut up"
    assert shown["Extra hostile terms"] == "wombat"
    await router.handle(_call("not-hostile-terms shut up"))
    assert SettingsStore(store._engine).get(COMMUNITY).not_hostile_terms == ("shut up",)
    store.update(COMMUNITY, not_hostile_terms=tuple(f"term{n}" for n in range(400)))
    long_list = dict((await router.handle(_call(""))).fields)["Terms cleared as not hostile"]
    assert len(long_list) <= 601 and long_list.endswith("…")


def test_a_damaged_settings_document_falls_back_to_defaults(
    engine: sa.Engine, store: SettingsStore
) -> None:
    store.update(COMMUNITY, locale="fr")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE community SET settings = '{not json'"))
    assert SettingsStore(engine).get(COMMUNITY) == CommunitySettings()


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("welcome off", {"profile_welcome": False}),
        ("welcome on", {"profile_welcome": True}),
        ("reminder 48", {"profile_reminder_hours": 48.0}),
        ("reminder off", {"profile_reminder_hours": 0.0}),
        ("questions country display_name", {"profile_questions": ("display_name", "country")}),
        ("questions all", {"profile_questions": ()}),
    ],
)
async def test_admin_changes_how_profiles_are_asked(
    router: Commands, engine: sa.Engine, argument: str, expected: dict
) -> None:
    reply = await router.handle(_call(argument))
    assert reply.lines[0] == "Saved."
    saved = SettingsStore(engine).get(COMMUNITY)
    for key, value in expected.items():
        assert getattr(saved, key) == value


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ("welcome maybe", "neither `on` nor `off`"),
        ("reminder soon", "not a delay"),
        ("reminder 0", "not a delay"),
        ("reminder 99999", "not a delay"),
        ("questions shoe_size", "choose among display_name, email"),
        ("questions", "not a list of questions"),
    ],
)
async def test_bad_profile_settings_are_explained(
    router: Commands, engine: sa.Engine, argument: str, says: str
) -> None:
    reply = await router.handle(_call(argument))
    assert says in reply.as_text()
    assert SettingsStore(engine).get(COMMUNITY) == CommunitySettings()
