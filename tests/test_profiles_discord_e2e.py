"""Profiles end to end on Discord: the real discord.py client against the loopback stand-in.

A member joining gets a DM whose button opens the first modal (answered directly, within
the 3-second deadline); each page's submission is answered with a Continue button, since
a modal cannot open from a modal; errors come with a button that reopens the page
pre-filled; /pulse member, /pulse privacy and the guild removal act on the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import PulseApp, build_services
from bot.config import parse_config
from bot.i18n import Translator
from bot.ports import ActionCall, Button, CommandCall, Form, Reply, ReplyOrForm, Role
from handlers import discord_forms
from handlers.discord import DiscordConnector
from handlers.standin.discord_interactions import InteractionResult, walk_components
from handlers.standin.discord_standin import DiscordStandin
from handlers.standin.discord_world import Perm
from storage import profiles as db
from tests.profile_world import Clock, World
from tests.test_discord_e2e import FAST, settle

PAGE1 = {"display_name": "Amina", "email": "amina@example.org", "job_function": "Designer"}
PAGE2 = {"company": "Acme", "country": "Allemagne", "region": "Bayern", "expertise": "python"}


@dataclass
class DiscordProfiles:
    """A running Pulse, its stand-in guild, clock and cast."""

    standin: DiscordStandin
    app: PulseApp
    connector: DiscordConnector
    clock: Clock
    guild: str
    general: str
    users: dict[str, str]

    @property
    def community(self) -> str:
        return f"discord:{self.guild}"

    @property
    def world(self) -> World:
        return World(self.app.services, self.clock, {})

    async def settled(self) -> None:
        await self.connector.settled()
        await settle(self.app)

    def dms_to(self, user: str) -> list[Any]:
        return [m for m in self.standin.sent_messages if m.recipient_id == user]

    async def command(self, caller: str, name: str, **options: Any) -> InteractionResult:
        return await self.standin.invoke_command(
            self.guild, self.general, caller, "pulse", subcommand=name, options=options
        )

    async def click(
        self, user: str, result: InteractionResult | Any, action: str, *, dm: bool = False
    ) -> InteractionResult:
        """Click the button with this core action on a reply (or a DM), where it was shown."""
        message = result.original if isinstance(result, InteractionResult) else result.payload
        message_id = message["id"] if isinstance(result, InteractionResult) else result.message_id
        channel = (
            message.get("channel_id")
            if isinstance(result, InteractionResult)
            else result.channel_id
        )
        custom_id = custom_id_of(message, action)
        guild = None if dm else self.guild
        return await self.standin.click_button(guild, channel, user, message_id, custom_id)

    async def submit(
        self, user: str, opened: InteractionResult, values: dict[str, str], *, dm: bool = False
    ) -> InteractionResult:
        modal = opened.modal
        assert modal is not None, opened.texts()
        channel = opened.interaction["channel_id"]
        return await self.standin.submit_modal(
            None if dm else self.guild, channel, user, modal["custom_id"], values
        )

    def profile(self, user: str) -> db.StoredProfile | None:
        with self.app.services.engine.connect() as connection:
            who = db.account(connection, self.community, user)
            return db.profile_of(connection, who) if who else None


def custom_id_of(message: dict[str, Any], action: str) -> str:
    """The custom id of a message's Pulse button for a core action."""
    for component in walk_components(message.get("components") or []):
        custom_id = str(component.get("custom_id") or "")
        if custom_id.startswith(f"pulse:{action}:"):
            return custom_id
    raise AssertionError(f"no {action} button in {message.get('components')}")


def inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A modal's inputs by custom id."""
    return {
        str(c["custom_id"]): c
        for c in walk_components(modal.get("components") or [])
        if c.get("custom_id") and c.get("type") in (3, 4)
    }


async def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll until ``check`` holds: the stand-in keeps what the bot sent without notifying."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(
    standin: DiscordStandin, database_url: str, clock: Clock
) -> AsyncIterator[tuple[PulseApp, DiscordConnector]]:
    api, gateway = standin.client_urls()
    config = parse_config(
        {
            "database": {"url": database_url},
            "ingest": {"analysis_workers": 0},
            "profile": {"reminder_after_hours": 2},
            "discord": {"token": standin.token, "api_base_url": api, "gateway_url": gateway},
        },
        environ={},
    )
    services = build_services(config, now=clock)
    connector = DiscordConnector(config.discord, services, client_options=FAST)
    app = PulseApp(services, [connector])
    await app.start()
    try:
        yield app, connector
    finally:
        assert await app.stop()


@pytest.fixture
async def discord(database_url: str) -> AsyncIterator[DiscordProfiles]:
    async with DiscordStandin() as standin:
        guild = standin.add_guild(name="Houston Data Vis")
        mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
        admin_role = standin.add_role(guild, "Admins", permissions=Perm.ADMINISTRATOR)
        general = standin.add_channel(guild, "general")
        users = {name: standin.add_member(guild, name=name) for name in ("alice", "bob")}
        users["mod"] = standin.add_member(guild, name="mod", roles=[mod_role])
        users["admin"] = standin.add_member(guild, name="admin", roles=[admin_role])
        clock = Clock()
        async with running(standin, database_url, clock) as (app, connector):
            yield DiscordProfiles(standin, app, connector, clock, guild, general, users)


async def fill_in(d: DiscordProfiles, user: str, page2: dict[str, str] | None = None) -> None:
    """``/pulse profile``, both pages, with consent."""
    opened = await d.command(user, "profile")
    first = await d.submit(user, opened, {**PAGE1, "_consent": "yes"})
    following = await d.click(user, first, "profile.open")
    done = await d.submit(user, following, page2 or PAGE2)
    assert "Your profile is saved." in " ".join(done.texts())


async def test_a_join_brings_the_dm_whose_button_opens_the_form_in_steps(
    discord: DiscordProfiles,
) -> None:
    d = discord
    erin = await d.standin.member_join(d.guild, name="erin")
    await wait_until(lambda: bool(d.dms_to(erin)))
    [welcome] = d.dms_to(erin)
    assert welcome.embeds[0]["title"] == "Welcome!"

    opened = await d.click(erin, welcome, "profile.open", dm=True)
    assert opened.type == 9 and opened.callback_at - opened.dispatched_at < 3
    modal = opened.modal
    assert modal is not None and len(modal["components"]) == 5
    assert modal["components"][0]["type"] == 10  # the notice, shown in the form
    assert "Pulse keeps the answers" in modal["components"][0]["content"]
    assert list(inputs(modal)) == ["_consent", "display_name", "email", "job_function"]

    first = await d.submit(erin, opened, {**PAGE1, "_consent": "yes"}, dm=True)
    assert first.ephemeral and "Page 1 of 2" in " ".join(first.texts())
    assert d.profile(erin) is None  # nothing stored before the last page

    second = await d.click(erin, first, "profile.open", dm=True)
    assert second.modal is not None
    assert list(inputs(second.modal)) == ["company", "country", "region", "expertise"]
    done = await d.submit(erin, second, PAGE2, dm=True)
    assert "Your profile is saved." in " ".join(done.texts())
    profile = d.profile(erin)
    assert profile is not None and profile.values["country"] == "DE"
    assert profile.values["region"] == "DE-BY" and set(profile.consents) == {1}


async def test_errors_reopen_the_page_prefilled_and_nothing_is_lost(
    discord: DiscordProfiles,
) -> None:
    d, alice = discord, discord.users["alice"]
    opened = await d.command(alice, "profile")
    bad = {**PAGE1, "email": "amina-at-example", "_consent": "yes"}
    refused = await d.submit(alice, opened, bad)
    text = " ".join(refused.texts())
    assert "expected something like name@example.org" in text and refused.ephemeral
    reopened = await d.click(alice, refused, "profile.open")
    assert reopened.modal is not None
    shown = inputs(reopened.modal)
    assert shown["email"]["value"] == "amina-at-example"
    assert shown["display_name"]["value"] == "Amina"
    assert [o["value"] for o in shown["_consent"]["options"] if o.get("default")] == ["yes"]
    first = await d.submit(alice, reopened, {**bad, "email": "amina@example.org"})
    second = await d.click(alice, first, "profile.open")
    country_refused = await d.submit(alice, second, {**PAGE2, "country": "Atlantide"})
    assert "Atlantide" in " ".join(country_refused.texts())
    fix = await d.click(alice, country_refused, "profile.open")
    assert fix.modal is not None
    assert inputs(fix.modal)["company"]["value"] == "Acme"
    assert inputs(fix.modal)["country"]["value"] == "Atlantide"
    assert d.profile(alice) is None


async def test_bad_input_and_a_double_submit(discord: DiscordProfiles) -> None:
    d, alice = discord, discord.users["alice"]
    opened = await d.command(alice, "profile")
    long = await d.submit(alice, opened, {**PAGE1, "display_name": "y" * 10_000, "_consent": "yes"})
    assert "under 80 characters" in " ".join(long.texts())
    first = await d.submit(alice, opened, {**PAGE1, "display_name": "نور 🌙", "_consent": "yes"})
    second = await d.click(alice, first, "profile.open")
    done = await d.submit(alice, second, PAGE2)
    again = await d.submit(alice, second, PAGE2)
    assert "saved" in " ".join(done.texts())
    assert "Nothing to change" in " ".join(again.texts())
    profile = d.profile(alice)
    assert profile is not None and profile.values["display_name"] == "نور 🌙"


async def test_a_form_submitted_after_leaving_is_a_no_op(discord: DiscordProfiles) -> None:
    d = discord
    erin = await d.standin.member_join(d.guild, name="erin")
    await wait_until(lambda: bool(d.dms_to(erin)))
    opened = await d.click(erin, d.dms_to(erin)[0], "profile.open", dm=True)
    d.clock.advance(minutes=1)
    await d.standin.member_leave(d.guild, erin)
    await d.settled()
    answer = await d.submit(erin, opened, {**PAGE1, "_consent": "yes"}, dm=True)
    assert "no longer a member" in " ".join(answer.texts())
    assert d.profile(erin) is None


async def test_the_reminder_fires_once(discord: DiscordProfiles) -> None:
    d = discord
    quiet = await d.standin.member_join(d.guild, name="quiet")
    await wait_until(lambda: bool(d.dms_to(quiet)))
    prompts = d.app.services.prompts
    d.clock.advance(hours=3)
    assert await prompts.send_reminders() == 1
    assert await prompts.send_reminders() == 0
    d.clock.advance(days=30)
    assert await prompts.send_reminders() == 0
    titles = [m.embeds[0]["title"] for m in d.dms_to(quiet)]
    assert titles == ["Welcome!", "A gentle reminder"]


async def test_member_card_visibility_by_role(discord: DiscordProfiles) -> None:
    d, alice = discord, discord.users["alice"]
    await fill_in(d, alice)
    seen = {}
    for who in ("bob", "mod", "admin"):
        answer = await d.command(d.users[who], "member", user=alice)
        assert answer.ephemeral
        seen[who] = " ".join(answer.texts())
    assert "moderators only" in seen["bob"] and "Acme" not in seen["bob"]
    assert "Company or organisation: Acme" in seen["mod"] and "Region: Bayern" in seen["mod"]
    assert "amina@example.org" not in seen["mod"]
    assert "Email: amina@example.org" in seen["admin"]


async def test_privacy_delete_leaves_no_row_naming_the_member(discord: DiscordProfiles) -> None:
    d, alice = discord, discord.users["alice"]
    await fill_in(d, alice)
    await d.standin.post_message(d.guild, d.general, alice, "hello")
    await d.settled()
    assert d.world.rows_naming(alice)
    overview = await d.command(alice, "privacy")
    assert "What Pulse holds about you" in " ".join(overview.texts())
    ask = await d.click(alice, overview, "privacy.delete")
    done = await d.click(alice, ask, "privacy.delete_confirm")
    assert "deleted" in " ".join(done.texts())
    assert d.world.rows_naming(alice, "Amina", "amina@example.org") == {}


async def test_after_opting_out_new_messages_are_not_recorded(discord: DiscordProfiles) -> None:
    d, alice, bob = discord, discord.users["alice"], discord.users["bob"]
    await d.standin.post_message(d.guild, d.general, alice, "before")
    await d.settled()
    overview = await d.command(alice, "privacy")
    ask = await d.click(alice, overview, "privacy.optout")
    await d.click(alice, ask, "privacy.optout_confirm")
    await d.standin.post_message(d.guild, d.general, alice, "after")
    await d.standin.post_message(d.guild, d.general, bob, "hi")
    await d.settled()
    assert [row[4] for row in d.world.rows()["activity"]] == [bob]


async def test_linking_a_slack_account_with_a_code(discord: DiscordProfiles) -> None:
    d, alice = discord, discord.users["alice"]
    await fill_in(d, alice)
    overview = await d.command(alice, "privacy")
    issued = await d.click(alice, overview, "profile.link")
    code = " ".join(issued.texts()).split("`")[1]
    # the other account is on Slack: the code is typed there (Slack's edge is tested apart)
    call = CommandCall("slack:T0LINK", "U0ALICE", Role.MEMBER, "profile", f"link {code}")
    linked = await d.app.services.commands.handle(call)
    assert "Linked" in linked.as_text()  # type: ignore[union-attr]
    again = await d.command(d.users["bob"], "profile", link_code=code)
    assert "unknown, expired or already used" in " ".join(again.texts())
    profile = d.profile(alice)
    assert profile is not None
    assert sorted(a.community for a in profile.accounts) == [d.community, "slack:T0LINK"]


async def test_removing_pulse_from_the_guild_purges_it(discord: DiscordProfiles) -> None:
    d, alice = discord, discord.users["alice"]
    await fill_in(d, alice)
    await d.standin.post_message(d.guild, d.general, alice, "hello")
    await d.settled()
    await d.standin.dispatch(d.guild, "GUILD_DELETE", {"id": d.guild})
    await wait_until(lambda: not d.world.rows()["community"])
    await d.settled()
    assert {name: rows for name, rows in d.world.rows().items() if rows} == {}


async def test_a_slow_answer_is_deferred_and_a_late_form_says_to_try_again(
    discord: DiscordProfiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = discord
    monkeypatch.setattr(discord_forms, "ANSWER_WITHIN", 0.05)

    async def slow_form(call: ActionCall, say: Translator) -> ReplyOrForm:
        await asyncio.sleep(0.3)
        return Form("profile", f"{d.community}|1", "Late", (), "Save")

    async def slow_reply(call: ActionCall, say: Translator) -> ReplyOrForm:
        await asyncio.sleep(0.3)
        return Reply(lines=("worth the wait",))

    d.app.services.actions.register("test.slow_form", Role.MEMBER, slow_form)
    d.app.services.actions.register("test.slow_reply", Role.MEMBER, slow_reply)
    card = Reply(buttons=(Button("test.slow_form", "A"), Button("test.slow_reply", "B")))
    await d.app.services.outbox(d.community).post(d.community, d.general, card)
    message = d.standin.sent_messages[-1]
    alice = d.users["alice"]
    late_form = await d.click(alice, message, "test.slow_form")
    late_reply = await d.click(alice, message, "test.slow_reply")
    assert late_form.type == 5 and late_reply.type == 5  # deferred within the deadline
    assert "could not open the form" in " ".join(late_form.texts())
    assert "worth the wait" in " ".join(late_reply.texts())
