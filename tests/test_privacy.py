"""Privacy by default: visibility by role, the welcome and its one reminder, export,
deletion that reaches every table, opting out of tracking, and purging a community."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlmodel import SQLModel

from bot.events import MemberJoined, MemberLeft, MessagePosted, ReactionAdded, join_key
from bot.history import write_history
from bot.importers import ImportedCommunity
from bot.ports import AGREED, Reply, Role
from bot.profile_forms import CONSENT_FIELD
from storage import erasure, members
from storage import profiles as db
from tests.profile_world import World, button, profile_world
from tests.test_profile_flows import ANSWERS, DISCORD, SLACK, fill

ALL_FIELDS = {
    "Display name",
    "Email",
    "Job function",
    "Company or organisation",
    "Country",
    "Region",
    "Areas of expertise",
}
EVERYONE = {"Display name", "Job function", "Country", "Areas of expertise"}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with profile_world(database_url, reminder_after_hours=24) as built:
        yield built


async def say_hello(world: World, community: str, user: str, text: str, n: int = 0) -> None:
    """A message and a reaction by ``user``, written through the live write path."""
    at = world.clock.now
    await world.services.writer.write(
        MessagePosted(
            community, "C1", f"C1/{n}.{user}", user, at, length=len(text), text=text, user_name=user
        )
    )
    await world.services.writer.write(
        ReactionAdded(community, "C1", f"+C1/{n}/{user}", user, at, "C1/0.x", "tada")
    )


def test_every_table_is_classified_for_erasure() -> None:
    tables = {table.name for table in SQLModel.metadata.sorted_tables}
    assert tables == set(erasure.MEMBER_TABLES) | set(erasure.NO_MEMBER_DATA)
    assert not set(erasure.MEMBER_TABLES) & set(erasure.NO_MEMBER_DATA)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.MEMBER, None),
        (Role.MODERATOR, EVERYONE | {"Company or organisation", "Region"}),
        (Role.ADMIN, ALL_FIELDS),
    ],
    ids=["member", "moderator", "admin"],
)
async def test_member_card_shows_each_role_exactly_its_fields(
    world: World, role: Role, expected: set[str] | None
) -> None:
    await fill(world, SLACK, "U1")
    await say_hello(world, SLACK, "U1", "hi")
    card = await world.command(SLACK, "UVIEW", "member", "<@U1|amina>", role=role)
    assert isinstance(card, Reply) and card.ephemeral
    if expected is None:
        assert "moderators only" in card.as_text()
        assert "Amina" not in card.as_text()
        return
    profile, engagement = card.fields[: len(expected)], card.fields[len(expected) :]
    assert {label for label, _ in profile} == expected  # profile fields first...
    assert not {label for label, _ in engagement} & ALL_FIELDS  # ...then level and activity
    assert ("Email" in dict(card.fields)) is (role is Role.ADMIN)
    assert card.title == "Member: Amina"
    assert "1 messages, 1 reactions" in card.as_text()


async def test_member_card_of_someone_unknown_or_badly_named(world: World) -> None:
    unknown = await world.command(SLACK, "UMOD", "member", "<@U404>", role=Role.MODERATOR)
    assert "knows nothing about <@U404>" in unknown.as_text()  # type: ignore[union-attr]
    garbage = await world.command(SLACK, "UMOD", "member", "everyone!!", role=Role.MODERATOR)
    assert "Name a member" in garbage.as_text()  # type: ignore[union-attr]


async def test_a_newcomer_is_welcomed_once_and_reminded_once(world: World) -> None:
    prompts, outbox = world.services.prompts, world.outboxes["slack"]
    join = MemberJoined(SLACK, "UNEW", world.clock.now, join_key("UNEW", world.clock.now))
    assert await prompts.member_joined(join)
    assert not await prompts.member_joined(join)  # a redelivered join
    [welcome] = outbox.to("UNEW")
    assert welcome.title == "Welcome!" and button(welcome, "profile.open")
    assert await prompts.send_reminders() == 0  # not due yet
    world.clock.advance(hours=25)
    assert await prompts.send_reminders() == 1
    assert await prompts.send_reminders() == 0
    world.clock.advance(days=30)
    assert await prompts.send_reminders() == 0
    assert [m.title for m in outbox.to("UNEW")] == ["Welcome!", "A gentle reminder"]


async def test_no_reminder_after_answering_opting_out_or_leaving(world: World) -> None:
    prompts = world.services.prompts
    for user in ("UFILLED", "UOUT", "ULEFT", "UWAIT"):
        await prompts.member_joined(MemberJoined(SLACK, user, world.clock.now, f"join/{user}"))
    await fill(world, SLACK, "UFILLED")
    privacy = await world.command(SLACK, "UOUT", "privacy")
    ask = await world.click(SLACK, "UOUT", button(privacy, "privacy.optout"))
    await world.click(SLACK, "UOUT", button(ask, "privacy.optout_confirm"))
    world.clock.advance(minutes=1)
    await world.services.writer.write(MemberLeft(SLACK, "ULEFT", world.clock.now, "left/ULEFT"))
    world.clock.advance(hours=25)
    assert await prompts.send_reminders() == 1
    reminded = [s.user_id for s in world.outboxes["slack"].sent if s.message.title != "Welcome!"]
    assert reminded == ["UWAIT"]


async def test_the_reminder_is_claimed_once_across_processes(world: World) -> None:
    prompts = world.services.prompts
    await prompts.member_joined(MemberJoined(SLACK, "UNEW", world.clock.now, "join/UNEW"))
    world.clock.advance(hours=25)
    assert world.services.scheduler.claim("profile.reminder", "slack:T0FLOW/UNEW")
    assert await prompts.send_reminders() == 0  # another process already sent it


async def test_welcome_can_be_turned_off_per_community(world: World) -> None:
    await world.command(SLACK, "UADMIN", "setup", "welcome off", role=Role.ADMIN)
    joined = MemberJoined(SLACK, "UNEW", world.clock.now, "join/UNEW")
    assert not await world.services.prompts.member_joined(joined)
    assert world.outboxes["slack"].sent == []


async def test_privacy_shows_what_is_stored_and_exports_it_by_dm(world: World) -> None:
    await fill(world, SLACK, "U1")
    await say_hello(world, SLACK, "U1", "hello")
    overview = await world.command(SLACK, "U1", "privacy")
    assert isinstance(overview, Reply) and overview.ephemeral
    text = overview.as_text()
    assert "1 messages and 1 reactions" in text and "notice version 1" in text
    assert {label for label, _ in overview.fields} == ALL_FIELDS  # one's own profile, all of it
    sent = await world.click(SLACK, "U1", button(overview, "privacy.export"))
    assert "direct message" in sent.as_text()  # type: ignore[union-attr]
    [dm] = world.outboxes["slack"].to("U1")
    document = json.loads(dm.files[0].data)
    assert document["profile"]["answers"]["email"] == "Amina@example.org"
    [account] = document["accounts"]
    assert [row["kind"] for row in account["activity"]] == ["message", "reaction_added"]
    assert document["profile"]["consents"][0]["notice_version"] == 1


async def test_export_says_so_when_dms_are_closed(world: World) -> None:
    world.outboxes["slack"].closed.add("U1")
    overview = await world.command(SLACK, "U1", "privacy")
    failed = await world.click(SLACK, "U1", button(overview, "privacy.export"))
    assert "could not send you a direct message" in failed.as_text()  # type: ignore[union-attr]


async def test_deletion_leaves_no_row_naming_the_member_in_any_table(database_url: str) -> None:
    async with profile_world(database_url, reminder_after_hours=1) as world:
        world.services.store._store_text = True  # text storage on: mentions must go too
        await world.services.prompts.member_joined(MemberJoined(SLACK, "U1", world.clock.now, "j1"))
        await fill(world, SLACK, "U1")
        await fill(world, SLACK, "U2", {"display_name": "Bob"})
        await say_hello(world, SLACK, "U1", "hello")
        await say_hello(world, SLACK, "U2", "thanks <@U1>!", n=1)
        linked = await world.command(SLACK, "U1", "profile", "link")
        code = linked.lines[0].split("`")[1]  # type: ignore[union-attr]
        await world.command(DISCORD, "4242", "profile", f"link {code}")
        await say_hello(world, DISCORD, "4242", "salut")
        world.services.scheduler.claim("profile.reminder", "slack:T0FLOW/U1")
        await world.command(SLACK, "U1", "profile", "link")  # a live code too
        await asyncio.to_thread(world.services.rollups.refresh)  # daily roll-ups name them too
        needles = ("U1", "4242", "Amina", "Amina@example.org")
        assert "member_day" in world.rows_naming(*needles)

        overview = await world.command(DISCORD, "4242", "privacy")
        ask = await world.click(DISCORD, "4242", button(overview, "privacy.delete"))
        assert "cannot be undone" in ask.as_text()  # type: ignore[union-attr]
        done = await world.click(DISCORD, "4242", button(ask, "privacy.delete_confirm"))
        assert "deleted" in done.as_text()  # type: ignore[union-attr]

        assert world.rows_naming(*needles) == {}
        rows = world.rows()
        assert len(rows["profile"]) == 1 and len(rows["profile_answer"]) >= 1  # Bob's
        texts = [row for row in rows["activity"] if "thanks" in str(row)]
        assert texts and erasure.ERASED_MENTION in str(texts[0])


async def test_opting_out_stops_recording_and_deletes_history(world: World) -> None:
    await say_hello(world, SLACK, "U1", "before")
    overview = await world.command(SLACK, "U1", "privacy")
    ask = await world.click(SLACK, "U1", button(overview, "privacy.optout"))
    await world.click(SLACK, "U1", button(ask, "privacy.optout_confirm"))
    await say_hello(world, SLACK, "U1", "after", n=2)
    await say_hello(world, SLACK, "U2", "still recorded", n=3)
    activity = world.rows()["activity"]
    assert {row[4] for row in activity} == {"U2"}  # user_id column
    assert world.services.writer.counters.ignored == 2
    with world.engine.connect() as connection:
        facts = members.member_facts(connection, db.account(connection, SLACK, "U1"))  # type: ignore[arg-type]
    assert facts is not None and facts.opted_out and facts.name is None
    again = await world.command(SLACK, "U1", "privacy")
    assert "Activity tracking is off" in again.as_text()  # type: ignore[union-attr]
    resumed = await world.click(SLACK, "U1", button(again, "privacy.optin"))
    assert "again" in resumed.as_text()  # type: ignore[union-attr]
    await say_hello(world, SLACK, "U1", "back", n=4)
    assert "U1" in {row[4] for row in world.rows()["activity"]}


async def test_another_process_learns_of_an_opt_out_on_reload(world: World) -> None:
    with world.engine.begin() as connection:
        who = db.Account(db.ensure_community(connection, SLACK, 0), SLACK, "U9")
        members.set_opted_out(connection, who, True)
    await say_hello(world, SLACK, "U9", "before reload")
    world.services.optouts.reload()
    await say_hello(world, SLACK, "U9", "after reload", n=1)
    assert [row[3] for row in world.rows()["activity"]] == ["C1/0.U9", "+C1/0/U9"]


async def test_deleting_keeps_an_opt_out(world: World) -> None:
    overview = await world.command(SLACK, "U1", "privacy")
    ask = await world.click(SLACK, "U1", button(overview, "privacy.optout"))
    await world.click(SLACK, "U1", button(ask, "privacy.optout_confirm"))
    ask = await world.click(SLACK, "U1", button(overview, "privacy.delete"))
    await world.click(SLACK, "U1", button(ask, "privacy.delete_confirm"))
    [member] = world.rows()["member"]
    assert member[2] == "U1" and member[3] is None and bool(member[-1])  # user, name, opted_out


async def test_purging_a_community_keeps_profiles_linked_elsewhere(world: World) -> None:
    await fill(world, SLACK, "U1")
    await fill(world, SLACK, "U2", {"display_name": "Bob"})
    code = (await world.command(SLACK, "U1", "profile", "link")).lines[0].split("`")[1]  # type: ignore[union-attr]
    await world.command(DISCORD, "4242", "profile", f"link {code}")
    await say_hello(world, SLACK, "U1", "hello")
    await world.command(SLACK, "UADMIN", "setup", "locale fr", role=Role.ADMIN)
    report = await world.services.privacy.purge_community(SLACK)
    assert report.total > 0
    assert world.rows_naming("slack:T0FLOW", "U2", "Bob") == {}
    with world.engine.connect() as connection:
        survivor = db.profile_of(connection, db.account(connection, DISCORD, "4242"))  # type: ignore[arg-type]
    assert survivor is not None and survivor.values["display_name"] == "Amina"
    assert [a.community for a in survivor.accounts] == [DISCORD]
    await say_hello(world, SLACK, "U3", "after reinstall")  # the writer forgot the old id
    assert world.services.settings.get(SLACK).locale is None


async def test_consent_to_a_new_notice_version_is_asked_again(database_url: str) -> None:
    async with profile_world(database_url) as world:
        await fill(world, SLACK, "U1")
    async with profile_world(database_url, notice_version=2) as world:
        form = await world.command(SLACK, "U1", "profile")
        assert form.notice[0].startswith("The notice has changed")  # type: ignore[union-attr]
        result = await world.submit(SLACK, "U1", form, {})  # type: ignore[arg-type]
        assert set(result.errors) == {CONSENT_FIELD}
        saved = await world.submit(SLACK, "U1", form, {CONSENT_FIELD: AGREED})  # type: ignore[arg-type]
        assert "saved" in saved.reply.as_text()
        with world.engine.connect() as connection:
            profile = db.profile_of(connection, db.account(connection, SLACK, "U1"))  # type: ignore[arg-type]
        assert profile is not None and set(profile.consents) == {1, 2}
        assert ANSWERS["display_name"] == profile.values["display_name"]


async def test_a_history_import_skips_members_who_opted_out(world: World) -> None:
    overview = await world.command(SLACK, "U1", "privacy")
    ask = await world.click(SLACK, "U1", button(overview, "privacy.optout"))
    await world.click(SLACK, "U1", button(ask, "privacy.optout_confirm"))
    at = world.clock.now
    events = [
        MessagePosted(SLACK, "C1", f"C1/{n}.0", user, at, length=2, text="hi")
        for n, user in enumerate(("U1", "U2", "U1"))
    ]
    summary = write_history(
        world.engine,
        ImportedCommunity(SLACK, "Flow", "slack"),
        events,
        lambda: [],
        store_text=False,
    )
    assert summary.new == 1
    assert [row[4] for row in world.rows()["activity"]] == ["U2"]
