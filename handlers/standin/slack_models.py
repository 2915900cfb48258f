"""Plain records the Slack stand-in keeps: people, channels, calls, uploads, replies, ids, ts."""

import asyncio
import json
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

_B36 = string.digits + string.ascii_uppercase


@dataclass
class User:
    """A workspace member as the stand-in stores it (rendered to Slack's shape on demand)."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    email: str | None = None
    tz: str = "Europe/London"
    bot_id: str | None = None
    deleted: bool = False
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Channel:
    """A conversation: public or private channel, or a DM (`is_im`) with `user`."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None
    members: list[str] | None = None  # None means every workspace member
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Usergroup:
    """A user group (`@handle`), used by Pulse to name moderators."""

    id: str
    handle: str
    name: str
    users: list[str]
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass(frozen=True)
class Call:
    """One Web API request as it arrived: `at` is time.monotonic(), `wall` is time.time()."""

    method: str
    params: JsonDict
    at: float
    wall: float
    token: str | None
    status: int
    response: JsonDict


@dataclass(frozen=True)
class SentRequest:
    """What the app answered to a request the stand-in sent it, and what was sent."""

    status: int
    body: str
    headers: dict[str, str]
    latency: float
    sent: JsonDict

    def json(self) -> Any:
        """The answer body decoded as JSON (Bolt answers JSON to most acks)."""
        return json.loads(self.body)


@dataclass
class Upload:
    """A file going through files.getUploadURLExternal, the upload URL, then completion."""

    file_id: str
    filename: str
    length: int
    upload_key: str
    title: str | None = None
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False

    @property
    def channel(self) -> str | None:
        """The first channel the file was shared to, if any."""
        return self.channels[0] if self.channels else None


@dataclass(frozen=True)
class ResponsePost:
    """A JSON body the app posted to a response_url (kind: `commands` or `actions`)."""

    url: str
    kind: str
    body: JsonDict
    at: float

    @property
    def response_type(self) -> str:
        """`ephemeral` (Slack's default) or `in_channel`."""
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def text(self) -> str:
        """The reply text, empty when only blocks were sent."""
        return str(self.body.get("text") or "")


class IdMaker:
    """Hands out Slack-looking ids (prefix + 10 base-36 digits), never the same one twice."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}
        self._taken: set[str] = set()

    def claim(self, ident: str) -> str:
        """Reserve an id chosen by the caller, so generated ones never collide with it."""
        self._taken.add(ident)
        return ident

    def new(self, prefix: str) -> str:
        """A fresh id such as `U000000000A`."""
        while True:
            number = self._count.get(prefix, 0) + 1
            self._count[prefix] = number
            digits = ""
            while number:
                number, rest = divmod(number, 36)
                digits = _B36[rest] + digits
            ident = prefix + digits.rjust(10, "0")
            if ident not in self._taken:
                return self.claim(ident)


def ts_key(ts: str) -> int:
    """A Slack ts (`"1700000000.000100"`) as integer microseconds, for exact ordering."""
    seconds, _, fraction = str(ts).partition(".")
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])


def ts_format(micros: int) -> str:
    """Integer microseconds back to Slack's ts text."""
    seconds, rest = divmod(micros, 1_000_000)
    return f"{seconds}.{rest:06d}"


class TsClock:
    """Issues strictly increasing message timestamps close to the wall clock."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        """A new ts, later than every ts issued or observed so far."""
        self._last = max(int(time.time() * 1_000_000), self._last + 1)
        return ts_format(self._last)

    def observe(self, ts: str) -> None:
        """Remember a caller-chosen ts so later generated ones come after it."""
        self._last = max(self._last, ts_key(ts))


class Changes:
    """Wakes coroutines waiting on recorded state (calls, replies, acks, connections)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Something was recorded: let every waiter re-check its condition."""
        self._event.set()
        self._event = asyncio.Event()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition()` holds (callers bound the wait with asyncio.timeout)."""
        while not condition():
            await self._event.wait()
