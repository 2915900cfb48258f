"""Slack connector: a Bolt async app in Socket Mode or HTTP mode, thin by design.

Every listener translates the payload (``slack_events``) and hands the value to the
writer. Bolt runs with ``process_before_response`` so an event is acknowledged only once
the batch holding it is committed (group commit); a full queue answers 503 so Slack
redelivers, and duplicates from retries are dropped by the database's unique key.
Forms open as modals with the trigger id of the command or click that asked for them;
their submissions are answered in the acknowledgement itself (errors or a closing view).
Uninstalling the app (or revoking its token) purges the workspace's data.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import Services
from bot.config import SlackConfig
from bot.events import ActivityEvent
from bot.forms import FORM_PREFIX
from bot.i18n import Translator
from bot.ingest import WriterClosed, WriterFull
from bot.ports import ActionCall, CommandCall, Form, FormSubmission, Reply, ReplyOrForm, Role
from bot.settings import SettingsStore
from handlers import slack_events, slack_forms
from handlers.slack_outbox import SlackOutbox
from handlers.slack_render import ACTION_PREFIX, action_of, reply_blocks

log = logging.getLogger(__name__)

ROLE_TTL_SECONDS = 300.0
EVENTS_PATH = "/slack/events"


class SlackDirectory:
    """Who is a bot and who may moderate, from users.info and user groups (cached)."""

    def __init__(
        self, client: AsyncWebClient, config: SlackConfig, settings: SettingsStore
    ) -> None:
        self._client = client
        self._config = config
        self._settings = settings
        self._bots: dict[str, bool] = {}
        self._roles: dict[str, tuple[float, Role]] = {}

    def note_human(self, user_id: str) -> None:
        """Remember a user seen posting as a person, sparing a users.info call later."""
        self._bots.setdefault(user_id, False)

    async def is_bot(self, user_id: str) -> bool:
        """True for bot and app users; unknown users are looked up once."""
        if user_id == "USLACKBOT":
            return True
        if user_id not in self._bots:
            user = await self._user(user_id)
            self._bots[user_id] = bool(user.get("is_bot") or user.get("is_app_user"))
        return self._bots[user_id]

    async def role(self, user_id: str, community: str) -> Role:
        """Admin for workspace owners/admins; moderator for configured users or groups."""
        cached = self._roles.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        user = await self._user(user_id)
        groups = [
            *self._config.moderator_usergroup_ids,
            *(await asyncio.to_thread(self._settings.get, community)).moderator_roles,
        ]
        if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
            role = Role.ADMIN
        elif user_id in self._config.moderator_user_ids or await self._in_groups(user_id, groups):
            role = Role.MODERATOR
        else:
            role = Role.MEMBER
        self._roles[user_id] = (time.monotonic() + ROLE_TTL_SECONDS, role)
        return role

    async def _user(self, user_id: str) -> Mapping[str, Any]:
        """users.info for one user; an empty mapping when Slack cannot tell."""
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return {}
        user = response.get("user")
        return user if isinstance(user, Mapping) else {}

    async def _in_groups(self, user_id: str, groups: list[str]) -> bool:
        """True when the user belongs to one of the moderator user groups."""
        for group in groups:
            try:
                response = await self._client.usergroups_users_list(usergroup=group)
            except SlackApiError as exc:
                log.warning("usergroups.users.list %s failed: %s", group, exc.response.get("error"))
                continue
            if user_id in (response.get("users") or []):
                return True
        return False


class SlackConnector:
    """Connects Pulse to one Slack workspace."""

    name = "slack"

    def __init__(self, config: SlackConfig, services: Services) -> None:
        self._config = config
        self._services = services
        self.client = AsyncWebClient(token=config.bot_token, base_url=config.api_base_url)
        # slack_sdk only retries connection errors by default; 429s must wait Retry-After.
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
        self.directory = SlackDirectory(self.client, config, services.settings)
        self.outbox = SlackOutbox(self.client)
        services.outboxes["slack"] = self.outbox
        self.app = AsyncApp(
            client=self.client,
            signing_secret=config.signing_secret or None,
            request_verification_enabled=config.mode == "http",
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )
        self._team_id = ""
        self._background: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.port: int | None = None
        self._register()

    def _register(self) -> None:
        """Attach the listeners; each only translates and hands over."""
        app = self.app
        app.event("message")(self._on_message)
        app.event("reaction_added")(self._reaction_listener(added=True))
        app.event("reaction_removed")(self._reaction_listener(added=False))
        app.event("team_join")(self._on_team_join)
        app.event("user_change")(self._on_user_change)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)
        app.command("/pulse")(ack=self._ack_command, lazy=[self._answer_command])
        app.action(re.compile(f"^{ACTION_PREFIX}"))(
            ack=self._ack_command, lazy=[self._answer_action]
        )
        app.view(re.compile(f"^{FORM_PREFIX}"))(self._on_view_submission)
        app.error(self._on_error)

    def _spawn(self, work: Awaitable[Any]) -> None:
        """Run follow-up work (a welcome DM, a purge) without delaying the acknowledgement."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settled(self) -> None:
        """Wait for the follow-up work started so far (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def _record(self, event: ActivityEvent | None) -> None:
        """Write an event and wait until it is durable (the ack waits on this)."""
        if event is not None:
            await self._services.writer.write(event)

    def _team(self, body: Mapping[str, Any]) -> str:
        """The workspace of an envelope."""
        return slack_events.team_of(body, self._team_id)

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Record human messages; everything else (edits, joins, bots) is skipped."""
        value = slack_events.message_posted(self._team(body), event)
        if value is not None:
            self.directory.note_human(value.user_id)
            await self._record(value)

    def _reaction_listener(self, *, added: bool) -> Callable[..., Awaitable[None]]:
        """A listener for reaction_added or reaction_removed."""

        async def on_reaction(body: dict[str, Any], event: dict[str, Any]) -> None:
            value = slack_events.reaction_changed(self._team(body), event, added=added)
            if value is not None and not await self.directory.is_bot(value.user_id):
                await self._record(value)

        return on_reaction

    async def _on_team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a person joining the workspace, then welcome them by direct message."""
        joined = slack_events.member_joined(self._team(body), event)
        await self._record(joined)
        if joined is not None:
            self._spawn(self._services.prompts.member_joined(joined))

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        """The app was removed from the workspace: delete everything about it."""
        self._spawn(self._services.privacy.purge_community(f"slack:{self._team(body)}"))

    async def _on_tokens_revoked(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The bot token was revoked (the app is gone for good): purge as on uninstall."""
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            await self._on_uninstalled(body)

    async def _on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Record a deactivated account as a member leaving."""
        await self._record(slack_events.member_left(self._team(body), event))

    async def _on_error(
        self, error: Exception, body: dict[str, Any], response: BoltResponse
    ) -> None:
        """Malformed payloads are dropped with a log line; a full queue asks Slack to retry."""
        if isinstance(error, WriterFull | WriterClosed):
            response.status = 503
            response.headers["retry-after"] = ["1"]
            return
        if isinstance(error, slack_events.MalformedEvent):
            log.warning("dropped a malformed Slack payload: %s", error)
            response.status = 200
            return
        log.error("Slack listener failed: %r", error, exc_info=error)

    async def _ack_command(self, ack: Callable[..., Awaitable[None]]) -> None:
        """Acknowledge ``/pulse`` at once; the answer follows through response_url."""
        await ack()

    async def _answer_command(
        self, body: dict[str, Any], respond: Callable[..., Awaitable[Any]]
    ) -> None:
        """Run a ``/pulse`` subcommand and answer ephemerally (or in channel when asked)."""
        text = str(body.get("text") or "").strip()
        name, _, argument = text.partition(" ")
        user_id = str(body.get("user_id") or "")
        community = f"slack:{self._team(body)}"
        call = CommandCall(
            community=community,
            user_id=user_id,
            role=await self.directory.role(user_id, community),
            name=name or "help",
            argument=argument.strip(),
            channel_id=body.get("channel_id"),
        )
        answer = await self._services.commands.handle(call)
        if isinstance(answer, Reply) and answer.files:
            answer = await self._files_by_dm(community, user_id, answer)
        await self._deliver(answer, body, respond, community)

    async def _files_by_dm(self, community: str, user_id: str, reply: Reply) -> Reply:
        """Command responses cannot carry files (digest charts): DM them, and say so."""
        say = Translator(await self._services.commands.locale_for(community))
        sent = await self.outbox.direct_message(
            community, user_id, Reply(title=reply.title, files=reply.files)
        )
        lines = (*reply.lines, say("slack.files_in_dm")) if sent else reply.lines
        return replace(reply, lines=lines, files=())

    async def _answer_action(
        self, body: dict[str, Any], respond: Callable[..., Awaitable[Any]]
    ) -> None:
        """Run the use case behind a clicked Pulse button and answer the clicker privately."""
        actions = body.get("actions") or [{}]
        user_id = str((body.get("user") or {}).get("id") or "")
        community = f"slack:{self._team(body)}"
        call = ActionCall(
            community=community,
            user_id=user_id,
            role=await self.directory.role(user_id, community),
            action=action_of(str(actions[0].get("action_id") or "")),
            value=str(actions[0].get("value") or ""),
            channel_id=(body.get("channel") or {}).get("id"),
            message_id=(body.get("message") or {}).get("ts"),
        )
        answer = await self._services.actions.handle(call)
        await self._deliver(answer, body, respond, community, replace_original=False)

    async def _deliver(
        self,
        answer: ReplyOrForm,
        body: dict[str, Any],
        respond: Callable[..., Awaitable[Any]],
        community: str,
        **options: Any,
    ) -> None:
        """Open a form as a modal (with the request's trigger id), or post the reply."""
        reply: Reply | None = answer if isinstance(answer, Reply) else None
        if isinstance(answer, Form):
            reply = await self._open_form(answer, str(body.get("trigger_id") or ""), community)
        if reply is None:
            return
        await respond(
            text=reply.as_text(),
            blocks=reply_blocks(reply),
            response_type="ephemeral" if reply.ephemeral else "in_channel",
            **options,
        )

    async def _open_form(self, form: Form, trigger_id: str, community: str) -> Reply | None:
        """views.open; None when opened, else a reply saying it could not be."""
        say = Translator(await self._services.commands.locale_for(community))
        try:
            await self.client.views_open(
                trigger_id=trigger_id, view=slack_forms.form_view(form, say("form.close"))
            )
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            return Reply(lines=(say("form.open_failed"),))
        return None

    async def _on_view_submission(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]
    ) -> None:
        """Answer a submitted modal in the acknowledgement: errors beside inputs, or a result."""
        view = body.get("view") or {}
        user_id = str((body.get("user") or {}).get("id") or "")
        community = f"slack:{self._team(body)}"
        submission = FormSubmission(
            community=community,
            user_id=user_id,
            role=await self.directory.role(user_id, community),
            form=slack_forms.form_name(view),
            state=str(view.get("private_metadata") or ""),
            values=slack_forms.submitted(view),
        )
        result = await self._services.forms.handle(submission)
        inputs = slack_forms.input_ids(view)
        if result.errors and set(result.errors) <= inputs:
            errors = {key: slack_forms.cut_error(text) for key, text in result.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        say = Translator(await self._services.commands.locale_for(community))
        title = str((view.get("title") or {}).get("text") or "Pulse")
        closing = slack_forms.result_view(title, result.reply, say("form.close"))
        await ack(response_action="update", view=closing)

    async def start(self) -> None:
        """Identify the bot, then listen over Socket Mode or on the HTTP port."""
        auth = await self.client.auth_test()
        self._team_id = str(auth.get("team_id") or "")
        if self._config.mode == "http":
            await self._start_http()
        else:
            self._socket = AsyncSocketModeHandler(self.app, self._config.app_token)
            await self._socket.connect_async()

    async def _start_http(self) -> None:
        """Serve POST /slack/events on the configured host and port."""
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(EVENTS_PATH, self._handle_http)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._config.host, self._config.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("Slack HTTP mode listening on %s:%s%s", self._config.host, self.port, EVENTS_PATH)

    async def _handle_http(self, request: web.Request) -> web.Response:
        """Refuse early with 503 when the writer is saturated, else let Bolt dispatch."""
        if self._services.writer.saturated and request.content_type == "application/json":
            say = Translator(self._services.config.locale)
            return web.json_response(
                {"error": say("slack.queue_full")}, status=503, headers={"Retry-After": "1"}
            )
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def stop(self) -> None:
        """Stop listening; queued events stay with the writer, which drains them."""
        await self.settled()
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
