"""Shared pieces of the fake Web API: errors, argument access, cursor pagination."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from handlers.standin.slack_models import Channel, JsonDict
from handlers.standin.slack_workspace import Workspace

T = TypeVar("T")

# Arguments the SDK JSON-encodes inside form bodies; decoded so recorded calls are readable.
_STRUCTURED = ("blocks", "attachments", "view", "files", "metadata", "unfurls")


class ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": code, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> JsonDict:
        """The JSON body Slack sends for this error (still HTTP 200)."""
        return {"ok": False, "error": self.error, **self.extra}


class Params:
    """A method's arguments, merged from query, form and JSON, read the way Slack reads them."""

    def __init__(self, values: JsonDict) -> None:
        self.values = {k: _decode(k, v) for k, v in values.items()}

    def opt(self, name: str) -> str | None:
        """An optional text argument (empty counts as absent)."""
        value = self.values.get(name)
        return None if value in (None, "") else str(value)

    def text(self, name: str) -> str:
        """A required text argument."""
        value = self.opt(name)
        if value is None:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean sent as true/false, 1/0 or a JSON bool."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        return str(value).lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        """An integer argument (Slack answers invalid_arguments to junk)."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError:
            raise ApiError("invalid_arguments") from None

    def structured(self, name: str) -> Any:
        """A JSON argument (blocks, view, files), decoded whichever way it was sent."""
        return self.values.get(name)

    def channel(self, ws: Workspace, name: str = "channel") -> Channel:
        """A required conversation argument resolved like Slack (id, #name, or user id)."""
        channel = ws.resolve_channel(self.opt(name))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel


Handler = Callable[[Workspace, Params], JsonDict]


def _decode(name: str, value: Any) -> Any:
    """JSON-decode the structured arguments that arrived as form text."""
    if name in _STRUCTURED and isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def paginate(items: Sequence[T], params: Params, default_limit: int) -> tuple[list[T], str]:
    """One page of `items` for `cursor`/`limit`, and the next cursor ("" on the last page)."""
    limit = params.number("limit", default_limit) or len(items) or 1
    start = 0
    cursor = params.opt("cursor")
    if cursor:
        try:
            kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = int(offset)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ApiError("invalid_cursor") from None
        if kind != "offset" or start < 0:
            raise ApiError("invalid_cursor")
    end = start + limit
    following = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return list(items[start:end]), following


def page_meta(next_cursor: str) -> JsonDict:
    """The `response_metadata` block paginated methods carry."""
    return {"next_cursor": next_cursor}
