"""The Discord stand-in, proven by driving a plain discord.py Client against it over loopback."""

from __future__ import annotations

import ast
import asyncio
import io
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

import handlers.standin
from handlers.standin.discord_standin import DiscordStandin, Perm

INTENTS = discord.Intents(
    guilds=True, members=True, messages=True, message_content=True, reactions=True
)
WAIT = 3.0


@dataclass
class Scene:
    """Ids of the guild the tests play in."""

    guild: str
    general: str
    forum: str
    mod_role: str
    alice: str
    bob: str


class Recorder(discord.Client):
    """A plain discord.py client (not Pulse code) with a command tree; notes RESUMED."""

    def __init__(self, intents: discord.Intents = INTENTS, **options: Any) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.05, **options)
        self.tree = app_commands.CommandTree(self)
        self.resumed = asyncio.Event()

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; pointless against a loopback server."""


def expect(client: discord.Client, event: str, **checks: Any) -> Awaitable[Any]:
    """Start waiting (synchronously) for an event whose attributes match `checks`."""

    def check(*args: Any) -> bool:
        return all(getattr(args[0], k, None) == v for k, v in checks.items())

    return client.wait_for(event, check=check, timeout=WAIT)


def point_discord_at(standin: DiscordStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a caller does: two class attributes, both URLs from the stand-in."""
    api, gateway = standin.client_urls()
    monkeypatch.setattr(discord.http.Route, "BASE", api)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(gateway))


async def run_client(
    client: discord.Client, standin: DiscordStandin, shards: list[int] | None = None
) -> asyncio.Task[None]:
    """Start a client and wait until both sides agree it is ready (or the client died)."""
    task = asyncio.create_task(client.start(standin.token))
    ready = asyncio.create_task(standin.wait_for_ready(timeout=5, shards=shards))
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
    await ready
    await asyncio.wait_for(client.wait_until_ready(), 5)
    return task


async def stop_client(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Close a client and surface any error its task raised."""
    await client.close()
    await asyncio.wait_for(task, 5)


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandin]:
    async with DiscordStandin(bot_name="Pulse", heartbeat_interval_ms=500) as server:
        yield server


@pytest.fixture
def scene(standin: DiscordStandin) -> Scene:
    guild = standin.add_guild(name="Test Guild")
    general = standin.add_channel(guild, "general")
    forum = standin.add_channel(guild, "help", kind="forum")
    standin.add_channel(guild, "voice", kind="voice")
    mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
    alice = standin.add_member(guild, name="alice", roles=[mod_role])
    bob = standin.add_member(guild, name="bob")
    return Scene(guild, general, forum, mod_role, alice, bob)


@pytest.fixture
async def client(
    standin: DiscordStandin, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Recorder]:
    point_discord_at(standin, monkeypatch)
    bot = Recorder()
    task = await run_client(bot, standin)
    yield bot
    await stop_client(bot, task)


async def test_connects_and_sees_guild_channels_members(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    guild = client.get_guild(int(scene.guild))
    assert guild is not None and guild.name == "Test Guild"
    assert client.user is not None and client.user.id == int(standin.bot_user_id)
    assert {c.name for c in guild.channels} == {"general", "help", "voice"}
    assert isinstance(guild.get_channel(int(scene.forum)), discord.ForumChannel)
    assert {m.name for m in guild.members} == {"Pulse", "alice", "bob"}
    assert guild.chunked and guild.member_count == 3
    alice = guild.get_member(int(scene.alice))
    assert alice is not None and alice.guild_permissions.manage_guild
    assert guild.me.top_role.name == "Pulse"
    assert not [f for f in standin.gateway_log if f.direction == "in" and f.op == 8]
    identify = next(f for f in standin.gateway_log if f.direction == "in" and f.op == 2)
    assert identify.d["intents"] == INTENTS.value and identify.d["token"] == "***"
    assert standin.gateway.connections[0].query["compress"] == "zlib-stream"
    paths = [r.path for r in standin.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]


def test_the_stand_in_is_a_server_and_never_imports_discord() -> None:
    modules = Path(handlers.standin.__file__).parent.glob("discord_*.py")
    imported: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "aiohttp" in imported and "discord" not in imported


async def test_rest_speaks_discord_json_and_records_unknown_routes(
    standin: DiscordStandin,
) -> None:
    headers = {"Authorization": f"Bot {standin.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{standin.api_base_url}/gateway/bot") as response:
            assert response.headers["Content-Type"] == "application/json"
            body = await response.json()
        async with http.get(f"{standin.api_base_url}/no/such/route") as missing:
            assert missing.status == 404
            assert await missing.json() == {"message": "404: Not Found", "code": 0}
    assert body["url"] == standin.gateway_url and body["shards"] == 1
    assert [r.matched for r in standin.requests] == [True, False]


async def test_messages_replies_threads_and_forum_posts(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    first = expect(client, "message", content="hello")
    sent = await standin.post_message(scene.guild, scene.general, scene.alice, "hello")
    hello: discord.Message = await first
    assert hello.id == int(sent["id"]) and hello.author.id == int(scene.alice)
    assert isinstance(hello.author, discord.Member) and not hello.author.bot

    replied = expect(client, "message", content="hi alice")
    await standin.post_message(
        scene.guild, scene.general, scene.bob, "hi alice", reply_to=sent["id"]
    )
    reply: discord.Message = await replied
    assert reply.type is discord.MessageType.reply
    assert reply.reference is not None and reply.reference.message_id == hello.id

    opened = expect(client, "thread_create", name="plans")
    thread_id = await standin.create_thread(
        scene.guild, scene.general, "plans", scene.bob, starter_message_id=sent["id"]
    )
    thread: discord.Thread = await opened
    assert thread.id == int(sent["id"]) == int(thread_id)
    in_thread = expect(client, "message", content="inside")
    await standin.post_message(scene.guild, thread_id, scene.alice, "inside")
    inner: discord.Message = await in_thread
    assert isinstance(inner.channel, discord.Thread) and inner.channel.parent_id == int(
        scene.general
    )

    post = expect(client, "message", content="How do I deploy?")
    post_id = await standin.create_thread(
        scene.guild, scene.forum, "Deploying", scene.bob, content="How do I deploy?"
    )
    starter: discord.Message = await post
    assert starter.id == starter.channel.id == int(post_id)
    assert isinstance(starter.channel, discord.Thread)
    assert starter.channel.parent_id == int(scene.forum)


async def test_bot_authored_messages_carry_author_bot(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    other_bot = standin.add_member(scene.guild, name="otherbot", bot=True)
    received = expect(client, "message", content="beep")
    await standin.post_message(scene.guild, scene.general, other_bot, "beep")
    beep: discord.Message = await received
    assert beep.author.bot and beep.author.name == "otherbot"

    echoed = expect(client, "message", content="from pulse")
    channel = client.get_channel(int(scene.general))
    assert isinstance(channel, discord.TextChannel)
    await channel.send("from pulse")
    own: discord.Message = await echoed
    assert own.author == client.user and own.author.bot


async def test_reactions_add_and_remove(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    sent = await standin.post_message(scene.guild, scene.general, scene.alice, "react to me")
    added = expect(client, "raw_reaction_add", message_id=int(sent["id"]))
    await standin.add_reaction(scene.guild, scene.general, sent["id"], scene.bob, "🎉")
    add: discord.RawReactionActionEvent = await added
    assert add.user_id == int(scene.bob) and add.emoji.name == "🎉"
    assert add.member is not None and add.member.name == "bob"
    assert add.guild_id == int(scene.guild)

    removed = expect(client, "raw_reaction_remove", message_id=int(sent["id"]))
    await standin.remove_reaction(scene.guild, scene.general, sent["id"], scene.bob, "🎉")
    remove: discord.RawReactionActionEvent = await removed
    assert remove.user_id == int(scene.bob) and remove.event_type == "REACTION_REMOVE"


async def test_member_join_and_leave(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    joined = expect(client, "member_join", name="carol")
    carol = await standin.member_join(scene.guild, name="carol")
    member: discord.Member = await joined
    assert member.id == int(carol) and member.guild.member_count == 4

    left = expect(client, "raw_member_remove", guild_id=int(scene.guild))
    await standin.member_leave(scene.guild, carol)
    raw: discord.RawMemberRemoveEvent = await left
    assert raw.user.id == int(carol)
    guild = client.get_guild(int(scene.guild))
    assert guild is not None and guild.get_member(int(carol)) is None


def pulse_group() -> app_commands.Group:
    """/pulse stats [days] answering ephemerally, /pulse slow deferring then following up."""
    group = app_commands.Group(name="pulse", description="Community pulse")

    @group.command(name="stats", description="Key numbers")
    async def stats(interaction: discord.Interaction, days: int = 7) -> None:
        assert isinstance(interaction.user, discord.Member)
        admin = interaction.permissions.manage_guild
        await interaction.response.send_message(f"{days} days, moderator={admin}", ephemeral=True)

    @group.command(name="slow", description="Deferred answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done thinking", ephemeral=True)

    return group


async def test_slash_command_group_is_synced_and_answers_ephemerally(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    client.tree.add_command(pulse_group())
    await client.tree.sync()
    (command,) = standin.commands
    assert command["name"] == "pulse"
    assert {o["name"] for o in command["options"]} == {"stats", "slow"}

    result = await standin.invoke_command(
        scene.guild, scene.general, scene.alice, "pulse", subcommand="stats", options={"days": 30}
    )
    assert result.type == 4 and result.flags == 64 and result.ephemeral
    assert result.content == "30 days, moderator=True"
    callback = standin.requests_to("POST", r"^/interactions/\d+/[^/]+/callback$")[-1]
    assert "Authorization" not in callback.headers
    assert callback.query["with_response"] in ("1", "true", "True")

    as_bob = await standin.invoke_command(
        scene.guild, scene.general, scene.bob, "pulse", subcommand="stats"
    )
    assert as_bob.content == "7 days, moderator=False"
    assert standin.history(scene.general) == []  # ephemeral answers are not channel messages

    slow = await standin.invoke_command(
        scene.guild, scene.general, scene.bob, "pulse", subcommand="slow"
    )
    assert slow.type == 5 and slow.ephemeral
    assert slow.followups and slow.content == "done thinking"


class Counter(discord.ui.View):
    """A button that updates its own message in place."""

    @discord.ui.button(label="+1", custom_id="count")
    async def count(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="count: 1")


async def test_public_answers_edits_followups_and_in_place_updates(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    @client.tree.command(name="digest", description="Post the digest")
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="digest v2", view=Counter())
        original = await interaction.original_response()
        await interaction.followup.send(f"edited {original.id}", ephemeral=True)

    await client.tree.sync()
    public = expect(client, "message_edit")
    result = await standin.invoke_command(scene.guild, scene.general, scene.alice, "digest")
    assert await result.wait_for(lambda r: bool(r.edits and r.followups), WAIT)
    assert result.type == 5 and not result.ephemeral and result.content == "digest v2"
    assert result.followups[-1]["content"] == f"edited {result.message_id}"
    _, edited = await public
    assert edited.content == "digest v2" and edited.interaction_metadata is not None

    assert result.message_id is not None
    clicked = await standin.click_button(
        scene.guild, scene.general, scene.bob, result.message_id, "count"
    )
    assert clicked.type == 7 and clicked.content == "count: 1"
    assert standin.world.messages[result.message_id]["content"] == "count: 1"


class Survey(discord.ui.Modal, title="Your profile"):
    """A one-field modal."""

    skills: discord.ui.TextInput[Survey] = discord.ui.TextInput(label="Skills", custom_id="skills")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"saved {self.skills.value}", ephemeral=True)


class OpenSurvey(discord.ui.View):
    """A view with one button that opens the modal."""

    @discord.ui.button(label="Fill in", custom_id="open-survey")
    async def open(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(Survey())


async def test_button_opens_modal_and_modal_submit_is_answered(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    channel = client.get_channel(int(scene.general))
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("Tell us about you", view=OpenSurvey(timeout=None))
    clicked = await standin.click_button(
        scene.guild, scene.general, scene.bob, message.id, "open-survey"
    )
    assert clicked.type == 9 and clicked.modal is not None
    assert clicked.modal["title"] == "Your profile"

    submitted = await standin.submit_modal(
        scene.guild, scene.general, scene.bob, clicked.modal["custom_id"], {"skills": "python"}
    )
    assert submitted.type == 4 and submitted.ephemeral and submitted.content == "saved python"


async def test_bot_side_rest_calls_act_on_the_world(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    guild = client.get_guild(int(scene.guild))
    assert guild is not None
    bob = await guild.fetch_member(int(scene.bob))
    role = guild.get_role(int(scene.mod_role))
    assert role is not None
    updated = expect(client, "member_update")
    await bob.add_roles(role)
    _, after = await updated
    assert role in after.roles
    assert scene.mod_role in standin.world.member(scene.guild, scene.bob).roles
    await bob.remove_roles(role)
    assert standin.world.member(scene.guild, scene.bob).roles == []

    dm = await bob.send("your weekly summary")
    assert dm.channel.id == int(standin.dm_channel_id(scene.bob))
    assert standin.sent_messages[-1].recipient_id == scene.bob

    general = guild.get_channel(int(scene.general))
    assert isinstance(general, discord.TextChannel)
    note = await general.send("draft")
    await note.edit(content="final")
    assert standin.history(scene.general)[-1]["content"] == "final"
    thread = await note.create_thread(name="discussion")
    assert thread.id == note.id and standin.world.channel(str(thread.id)).parent_id == scene.general
    await note.delete()
    assert standin.history(scene.general) == []

    forum = guild.get_channel(int(scene.forum))
    assert isinstance(forum, discord.ForumChannel)
    post = await forum.create_thread(name="FAQ", content="Read me first")
    assert post.message.id == post.thread.id and post.message.content == "Read me first"


async def test_bot_cannot_assign_roles_above_its_own(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    admin = standin.add_role(scene.guild, "Admins", Perm.ADMINISTRATOR, above_bot=True)
    created = expect(client, "guild_channel_create", name="announcements")
    await standin.create_channel(scene.guild, "announcements")
    await created
    guild = client.get_guild(int(scene.guild))
    assert guild is not None
    bob = await guild.fetch_member(int(scene.bob))
    with pytest.raises(discord.Forbidden) as refused:
        await bob.add_roles(discord.Object(id=int(admin)))
    assert refused.value.code == 50013
    standin.block_dms(scene.alice)
    alice = await guild.fetch_member(int(scene.alice))
    with pytest.raises(discord.Forbidden) as closed:
        await alice.send("hi")
    assert closed.value.code == 50007


async def test_files_are_recorded_and_served(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    channel = client.get_channel(int(scene.general))
    assert isinstance(channel, discord.TextChannel)
    data = b"day,messages\n2024-01-01,42\n"
    message = await channel.send("digest", file=discord.File(io.BytesIO(data), "digest.csv"))
    sent = standin.sent_messages[-1]
    assert sent.channel_id == scene.general and sent.content == "digest"
    assert [(f.filename, f.data) for f in sent.files] == [("digest.csv", data)]
    assert message.attachments[0].filename == "digest.csv"
    assert await message.attachments[0].read() == data


async def test_429_retry_after_is_honoured(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    standin.fail_next("POST", rf"^/channels/{scene.general}/messages$", retry_after=0.3)
    channel = client.get_channel(int(scene.general))
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after the limit")
    first, second = standin.requests_to("POST", rf"^/channels/{scene.general}/messages$")
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 0.3
    assert [m.content for m in standin.sent_messages] == ["after the limit"]


async def test_dropped_connection_resumes_and_replays_missed_events(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    await standin.drop_connection()
    missed = expect(client, "message", content="while you were away")
    await standin.post_message(scene.guild, scene.general, scene.alice, "while you were away")
    await standin.wait_for_ready(timeout=5)
    message: discord.Message = await missed
    assert message.author.id == int(scene.alice)
    await asyncio.wait_for(client.resumed.wait(), WAIT)
    resume = [f for f in standin.gateway_log if f.direction == "in" and f.op == 6]
    assert len(resume) == 1
    assert [f for f in standin.gateway_log if f.direction == "in" and f.op == 2][1:] == []
    assert standin.gateway.connections[-1].path == "/gateway-resume"


async def test_lost_session_reidentifies_and_history_backfills(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    last = await standin.post_message(scene.guild, scene.general, scene.alice, "last seen")
    await standin.drop_connection()
    await standin.invalidate_session()
    await standin.post_message(scene.guild, scene.general, scene.bob, "lost 1")
    await standin.post_message(scene.guild, scene.general, scene.bob, "lost 2")
    await standin.wait_for_ready(timeout=5)
    identifies = [f for f in standin.gateway_log if f.direction == "in" and f.op == 2]
    assert len(identifies) == 2 and len(standin.gateway.lost) == 2
    channel = client.get_channel(int(scene.general))
    assert isinstance(channel, discord.TextChannel)
    after = discord.Object(id=int(last["id"]))
    backfill = [m.content async for m in channel.history(after=after, limit=None)]
    assert backfill == ["lost 1", "lost 2"]


async def test_raw_unknown_event_is_delivered_and_client_survives(
    standin: DiscordStandin, scene: Scene, client: Recorder
) -> None:
    seen = client.wait_for("socket_event_type", check=lambda t: t == "PULSE_FUTURE", timeout=WAIT)
    assert await standin.dispatch(scene.guild, "PULSE_FUTURE", {"surprise": True}) == 1
    assert await seen == "PULSE_FUTURE"
    after = expect(client, "message", content="still alive")
    await standin.post_message(scene.guild, scene.general, scene.alice, "still alive")
    await after


async def test_without_privileged_intents_text_and_members_are_withheld(
    standin: DiscordStandin, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_discord_at(standin, monkeypatch)
    bot = Recorder(intents=discord.Intents(guilds=True, messages=True))
    task = await run_client(bot, standin)
    try:
        guild = bot.get_guild(int(scene.guild))
        assert guild is not None and guild.member_count == 3 and len(guild.members) == 1
        plain = await standin.post_message(scene.guild, scene.general, scene.alice, "secret")
        mention = f"<@{standin.bot_user_id}> help"
        shown = expect(bot, "message", content=mention)
        await standin.post_message(scene.guild, scene.general, scene.alice, mention)
        await shown
        assert [m.content for m in bot.cached_messages] == ["", mention]
        assert bot.cached_messages[0].id == int(plain["id"])
        assert not [f for f in standin.gateway_log if f.direction == "in" and f.op == 8]
    finally:
        await stop_client(bot, task)


async def test_shards_get_only_their_guilds_and_zlib_stream_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with DiscordStandin(zlib_stream=True, shard_count=2) as standin:
        shard_zero = standin.add_guild(guild_id=1000 << 22, name="shard zero")
        shard_one = standin.add_guild(guild_id=1001 << 22, name="shard one")
        zero_channel = standin.add_channel(shard_zero, "general")
        one_channel = standin.add_channel(shard_one, "general")
        alice = standin.add_member(shard_zero, name="alice")
        standin.add_member(shard_one, alice, name="alice")
        point_discord_at(standin, monkeypatch)
        bot = Recorder(shard_id=1, shard_count=2)
        task = await run_client(bot, standin, shards=[1])
        try:
            assert [g.id for g in bot.guilds] == [int(shard_one)]
            heard = expect(bot, "message", content="compressed")
            await standin.post_message(shard_zero, zero_channel, alice, "not for shard 1")
            await standin.post_message(shard_one, one_channel, alice, "compressed")
            message: discord.Message = await heard
            assert message.guild is not None and message.guild.id == int(shard_one)
            assert [event for _, event, _ in standin.gateway.lost] == ["MESSAGE_CREATE"]
            assert standin.gateway.connections[0].compressed
        finally:
            await stop_client(bot, task)
