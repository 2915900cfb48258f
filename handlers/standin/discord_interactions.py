"""INTERACTION_CREATE payloads (commands, components, modals) and what the bot answered."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.standin.discord_http import Notifier, RecordedFile
from handlers.standin.discord_payloads import (
    channel_payload,
    member_payload,
    rest_view,
    role_payload,
    user_payload,
)
from handlers.standin.discord_world import JSON, World

SUBCOMMAND, GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = range(1, 11)
EPHEMERAL = 64


@dataclass
class InteractionResult:
    """What the bot answered to one interaction; keeps filling as followups arrive."""

    interaction: JSON
    dispatched_at: float = field(default_factory=time.monotonic)
    callback: JSON | None = None
    callback_at: float | None = None
    files: list[RecordedFile] = field(default_factory=list)
    followups: list[JSON] = field(default_factory=list)
    edits: list[JSON] = field(default_factory=list)
    original: JSON | None = None
    original_deleted: bool = False
    notifier: Notifier = field(default_factory=Notifier, repr=False)

    @property
    def token(self) -> str:
        """The interaction token (what webhook followups are addressed with)."""
        return str(self.interaction["token"])

    @property
    def type(self) -> int | None:
        """Callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 9 modal."""
        return None if self.callback is None else int(self.callback["type"])

    @property
    def data(self) -> JSON:
        """The callback's data object ({} when none)."""
        return dict((self.callback or {}).get("data") or {})

    @property
    def flags(self) -> int:
        """Message flags of the callback (64 = ephemeral)."""
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the response is visible to the invoking user only."""
        return bool(self.flags & EPHEMERAL)

    @property
    def content(self) -> str | None:
        """Current content of the original response (after any @original edits)."""
        if self.original is not None:
            return str(self.original.get("content") or "")
        return self.data.get("content")

    @property
    def message_id(self) -> str | None:
        """Id of the original response message, when there is one."""
        return None if self.original is None else str(self.original["id"])

    @property
    def modal(self) -> JSON | None:
        """The modal the bot opened (callback type 9), else None."""
        return self.data if self.type == 9 else None

    def texts(self) -> list[str]:
        """Every piece of text the bot answered: contents and embed texts, in order."""
        bodies = [self.data, *self.edits, *self.followups]
        return [text for body in bodies for text in _texts(body)]

    async def wait_for(
        self,
        predicate: Callable[[InteractionResult], bool],
        timeout: float,  # noqa: ASYNC109
    ) -> bool:
        """Wait until predicate(self) holds (e.g. a followup arrived); False on timeout."""
        return await self.notifier.wait_until(lambda: predicate(self), timeout)


def _texts(body: Mapping[str, Any]) -> Iterator[str]:
    if body.get("content"):
        yield str(body["content"])
    for embed in body.get("embeds") or []:
        for key in ("title", "description"):
            if embed.get(key):
                yield str(embed[key])
        for item in embed.get("fields") or []:
            yield f"{item.get('name', '')}: {item.get('value', '')}"


class Interactions:
    """Builds interaction payloads and tracks their results by id and token."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.results: dict[str, InteractionResult] = {}
        self.modals: dict[str, JSON] = {}
        self.modal_messages: dict[str, str] = {}

    def result(self, interaction_id: str, token: str) -> InteractionResult | None:
        """The result for an interaction id + token (None when unknown)."""
        found = self.results.get(token)
        if found is None or str(found.interaction["id"]) != str(interaction_id):
            return None
        return found

    def track(self, payload: JSON) -> InteractionResult:
        """Start tracking answers to a dispatched interaction."""
        result = InteractionResult(payload)
        self.results[result.token] = result
        return result

    def base(
        self, kind: int, guild_id: str | None, channel_id: str, user_id: str, locale: str
    ) -> JSON:
        """Fields common to every interaction (member with permissions, channel, token...)."""
        world = self.world
        channel = world.channel(channel_id)
        out: JSON = {
            "id": world.ids.make(),
            "application_id": world.application_id,
            "type": kind,
            "token": "standin-" + secrets.token_urlsafe(24),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "channel_id": channel.id,
            "channel": channel_payload(world, channel),
        }
        if guild_id is None:
            out |= {"user": user_payload(world, user_id), "context": 1}
            out["authorizing_integration_owners"] = {"1": user_id}
            return out
        guild = world.guild(guild_id)
        out["channel"]["permissions"] = str(world.permissions(guild.id, user_id))
        out |= {
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "member": member_payload(world, guild.id, user_id, permissions=True),
            "app_permissions": str(world.permissions(guild.id, world.bot.id)),
            "context": 0,
            "authorizing_integration_owners": {"0": guild.id},
        }
        return out

    # ---- application commands ------------------------------------------------------------
    def command_data(
        self,
        command: JSON | None,
        *,
        name: str,
        path: list[str],
        options: Mapping[str, Any],
        guild_id: str | None,
        user_id: str,
    ) -> JSON:
        """`data` of a chat-input command, typed and checked against the registered schema."""
        specs = _option_specs(command, path, set(options))
        resolved: JSON = {}
        values = [
            self._option(specs.get(k), k, v, (guild_id, user_id), resolved)
            for k, v in options.items()
        ]
        nested: list[JSON] = values
        for index, part in reversed(list(enumerate(path))):
            kind = GROUP if index == 0 and len(path) == 2 else SUBCOMMAND
            nested = [{"type": kind, "name": part, "options": nested}]
        data: JSON = {"id": self.world.ids.make(), "name": name, "type": 1, "options": nested}
        if command is not None:
            data["id"] = command["id"]
            if command.get("guild_id"):
                data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option(
        self, spec: JSON | None, name: str, value: Any, who: tuple[str | None, str], resolved: JSON
    ) -> JSON:
        kind = int(spec["type"]) if spec is not None else _infer_type(value)
        converters: dict[int, Callable[[Any], Any]] = {
            INTEGER: int,
            NUMBER: float,
            BOOLEAN: bool,
            STRING: str,
        }
        if kind in converters:
            return {"name": name, "type": kind, "value": converters[kind](value)}
        ref = str(value)
        self._resolve(kind, ref, who, resolved)
        return {"name": name, "type": kind, "value": ref}

    def _resolve(self, kind: int, ref: str, who: tuple[str | None, str], resolved: JSON) -> None:
        world = self.world
        guild = world.guild(who[0]) if who[0] is not None else None
        if kind == CHANNEL:
            channel = channel_payload(world, world.channel(ref))
            perms = world.permissions(guild.id, who[1]) if guild is not None else 0
            channel["permissions"] = str(perms)
            resolved.setdefault("channels", {})[ref] = channel
        elif guild is not None and ref in guild.roles:
            resolved.setdefault("roles", {})[ref] = role_payload(guild.roles[ref])
        else:
            resolved.setdefault("users", {})[ref] = user_payload(world, ref)
            if guild is not None and ref in guild.members:
                member = member_payload(world, guild.id, ref, with_user=False, permissions=True)
                resolved.setdefault("members", {})[ref] = member

    # ---- components and modals ------------------------------------------------------------
    def component_data(
        self, message: JSON, custom_id: str, component_type: int, values: list[str] | None
    ) -> JSON:
        """`data` of a component interaction, after checking the component exists and is enabled."""
        found = [
            c
            for c in walk_components(message.get("components") or [])
            if c.get("custom_id") == custom_id
        ]
        if not found:
            raise LookupError(
                f"message {message['id']} has no component with custom_id {custom_id!r}"
            )
        if found[0].get("disabled"):
            raise LookupError(f"component {custom_id!r} is disabled and cannot be used")
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return data

    def modal_data(self, custom_id: str, values: Mapping[str, str], strict: bool) -> JSON:
        """`data` of a modal submit, shaped like the modal the bot opened."""
        layout = self.modals.get(custom_id)
        if layout is None and strict:
            raise LookupError(f"the bot never opened a modal with custom_id {custom_id!r}")
        if layout is None:
            rows = [_text_value(k, v) for k, v in values.items()]
            return {"custom_id": custom_id, "components": [{"type": 1, "components": rows}]}
        known = {c.get("custom_id") for c in walk_components(layout.get("components") or [])}
        unknown = set(values) - known
        if unknown:
            raise LookupError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        components = [_submitted(c, values) for c in layout.get("components") or []]
        return {"custom_id": custom_id, "components": components}


def walk_components(components: list[JSON]) -> Iterator[JSON]:
    """Every component, depth first (action rows, labels, containers, sections...)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from walk_components([component["component"]])
        if isinstance(component.get("accessory"), dict):
            yield from walk_components([component["accessory"]])


def _submitted(component: JSON, values: Mapping[str, str]) -> JSON:
    if component.get("type") == 18 and isinstance(component.get("component"), dict):
        return {"type": 18, "component": _submitted(component["component"], values)}
    if component.get("type") == 1:
        inner = [_submitted(c, values) for c in component.get("components") or []]
        return {"type": 1, "components": inner}
    custom_id = str(component.get("custom_id", ""))
    if component.get("type") == 4:
        return _text_value(custom_id, values.get(custom_id, component.get("value") or ""))
    picked = values.get(custom_id)
    chosen = [] if picked is None else [picked] if isinstance(picked, str) else list(picked)
    return {"type": component.get("type"), "custom_id": custom_id, "values": chosen}


def _text_value(custom_id: str, value: str) -> JSON:
    return {"type": 4, "custom_id": custom_id, "value": value}


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def _option_specs(command: JSON | None, path: list[str], given: set[str]) -> dict[str, JSON]:
    """The registered option definitions at the end of a subcommand path, checked."""
    if command is None:
        return {}
    options: list[JSON] = command.get("options") or []
    for part in path:
        match = [o for o in options if o.get("name") == part and o.get("type") in (1, 2)]
        if not match:
            raise LookupError(f"command {command['name']!r} has no subcommand {part!r}")
        options = match[0].get("options") or []
    specs = {str(o["name"]): o for o in options}
    if given - set(specs):
        raise LookupError(f"unknown options {sorted(given - set(specs))} for {command['name']!r}")
    missing = [name for name, o in specs.items() if o.get("required") and name not in given]
    if missing:
        raise LookupError(f"missing required options {missing} for {command['name']!r}")
    return specs


def message_of(world: World, message_id: str) -> JSON:
    """A stored message (REST view) for a component interaction."""
    found = world.messages.get(str(message_id))
    if found is None:
        raise LookupError(f"unknown message {message_id}")
    return rest_view(found)
