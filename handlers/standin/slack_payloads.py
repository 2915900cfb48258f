"""Builders for what Slack posts to an app: event envelopes, slash commands, interactions."""

import copy
import time
import uuid
from typing import Any

from handlers.standin.slack_models import JsonDict
from handlers.standin.slack_workspace import Workspace


class SlackPayloadBuilders:
    """Envelope and payload builders (mixed into SlackStandin)."""

    workspace: Workspace
    verification_token: str

    def new_event_id(self) -> str:
        """A globally unique `Ev...` event id."""
        return "Ev" + uuid.uuid4().hex[:12].upper()

    def event_envelope(self, event: JsonDict, event_id: str | None = None) -> JsonDict:
        """The `event_callback` envelope Slack wraps every Events API event in."""
        ws = self.workspace
        authorization = {
            "enterprise_id": None,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }
        return {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "context_team_id": ws.team_id,
            "context_enterprise_id": None,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.new_event_id(),
            "event_time": int(time.time()),
            "authorizations": [authorization],
            "is_ext_shared_channel": False,
            "event_context": "4-" + uuid.uuid4().hex,
        }

    def command_payload(
        self, user_id: str, channel_id: str, text: str = "", command: str = "/pulse"
    ) -> dict[str, str]:
        """The fields of a slash command (form-encoded over HTTP, JSON over Socket Mode)."""
        ws = self.workspace
        user = ws.users.get(user_id)
        channel = ws.channels.get(channel_id)
        channel_name = "directmessage" if channel is None or channel.is_im else channel.name
        return {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user.name if user else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": ws.issue_response_url("commands"),
            "trigger_id": ws.issue_trigger(),
        }

    def _user_ref(self, user_id: str) -> JsonDict:
        """The `user` object interaction payloads carry."""
        ws = self.workspace
        user = ws.users.get(user_id)
        name = user.name if user else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}

    def _interaction(self, kind: str, user_id: str) -> JsonDict:
        """Fields every interaction payload shares."""
        ws = self.workspace
        return {
            "type": kind,
            "user": self._user_ref(user_id),
            "api_app_id": ws.app_id,
            "token": self.verification_token,
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def block_actions_payload(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        block_id: str = "actions",
    ) -> JsonDict:
        """A `block_actions` payload: a button click in a message (channel_id + message_ts)
        or in a view opened through views.open (view_id)."""
        ws = self.workspace
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "action_ts": ws.clock.next(),
        }
        if value is not None:
            action["value"] = value
        payload = self._interaction("block_actions", user_id)
        payload.update(trigger_id=ws.issue_trigger(), actions=[action], state={"values": {}})
        if view_id is not None:
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = copy.deepcopy(self._view(view_id))
        elif channel_id is not None and message_ts is not None:
            payload.update(self._message_context(channel_id, message_ts))
        else:
            raise ValueError("give either view_id, or channel_id and message_ts")
        return payload

    def _message_context(self, channel_id: str, message_ts: str) -> JsonDict:
        """Container, channel, message and response_url of an action taken in a message."""
        ws = self.workspace
        channel = ws.channels.get(channel_id)
        stored = ws.messages.get(channel_id, message_ts)
        message = copy.deepcopy(stored) if stored else {"type": "message", "ts": message_ts}
        return {
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": channel.name if channel else channel_id},
            "message": message,
            "response_url": ws.issue_response_url("actions"),
        }

    def _view(self, view_id: str) -> JsonDict:
        """A view the app opened, or KeyError with a helpful message."""
        view = self.workspace.views.get(view_id)
        if view is None:
            raise KeyError(f"no view {view_id!r} was opened through views.open/push")
        return view

    def view_submission_payload(
        self, user_id: str, view_id: str, values: dict[str, dict[str, Any]] | None = None
    ) -> JsonDict:
        """A `view_submission` of an opened view; plain string values become text inputs:
        `{"block": {"action": "text"}}`."""
        view = copy.deepcopy(self._view(view_id))
        view["state"] = {"values": _state_values(values or {})}
        payload = self._interaction("view_submission", user_id)
        payload.update(trigger_id=self.workspace.issue_trigger(), view=view, response_urls=[])
        return payload

    def view_closed_payload(self, user_id: str, view_id: str) -> JsonDict:
        """A `view_closed` payload (sent when the view had notify_on_close)."""
        payload = self._interaction("view_closed", user_id)
        payload.update(view=copy.deepcopy(self._view(view_id)), is_cleared=False)
        return payload


def _state_values(values: dict[str, dict[str, Any]]) -> JsonDict:
    """Expand `{"block": {"action": "text"}}` to Slack's `state.values` shape."""
    expanded: JsonDict = {}
    for block_id, actions in values.items():
        expanded[block_id] = {}
        for action_id, value in actions.items():
            text_input = {"type": "plain_text_input", "value": value}
            expanded[block_id][action_id] = text_input if isinstance(value, str) else value
    return expanded
