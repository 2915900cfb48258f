"""A Pulse without platforms, for profile tests: recorded DMs, a settable clock, and helpers
that play a member's side of the forms, the way both platform edges do."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.app import Services, build_services
from bot.config import parse_config
from bot.ingest import running_writer
from bot.ports import (
    ActionCall,
    Button,
    CommandCall,
    FieldValue,
    Form,
    FormResult,
    FormSubmission,
    Reply,
    ReplyOrForm,
    Role,
)
from storage.engine import upgrade

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@dataclass
class Sent:
    """One direct message the core sent."""

    community: str
    user_id: str
    message: Reply


@dataclass
class RecordingOutbox:
    """An Outbox that records instead of sending; ``closed`` users cannot be reached."""

    sent: list[Sent] = field(default_factory=list)
    posts: list[tuple[str, Reply]] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        self.posts.append((channel_id, message))
        return f"m{len(self.posts)}"

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        if user_id in self.closed:
            return None
        self.sent.append(Sent(community, user_id, message))
        return f"dm{len(self.sent)}"

    def to(self, user_id: str) -> list[Reply]:
        """Messages sent to one user."""
        return [item.message for item in self.sent if item.user_id == user_id]


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    """Services, their clock and the recorded outboxes (``slack`` and ``discord``)."""

    services: Services
    clock: Clock
    outboxes: dict[str, RecordingOutbox]

    @property
    def engine(self) -> sa.Engine:
        return self.services.engine

    async def command(
        self, community: str, user: str, name: str, argument: str = "", role: Role = Role.MEMBER
    ) -> ReplyOrForm:
        call = CommandCall(community, user, role, name, argument)
        return await self.services.commands.handle(call)

    async def click(
        self, where: str, user: str, button: Button, role: Role = Role.MEMBER
    ) -> ReplyOrForm:
        """Click a button; ``where`` is the community, or ``discord:`` for a DM."""
        call = ActionCall(where, user, role, button.action, button.value)
        return await self.services.actions.handle(call)

    async def submit(
        self,
        where: str,
        user: str,
        form: Form,
        values: Mapping[str, FieldValue],
        *,
        keep_initial: bool = True,
    ) -> FormResult:
        """Submit a form with every field, as edges do: typed values, else what was shown."""
        sent = {f.id: values.get(f.id, f.initial if keep_initial else "") for f in form.fields}
        submission = FormSubmission(where, user, Role.MEMBER, form.form, form.state, sent)
        return await self.services.forms.handle(submission)

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, by table name."""
        found = {}
        with self.engine.connect() as connection:
            for table in SQLModel.metadata.sorted_tables:
                found[table.name] = [tuple(row) for row in connection.execute(table.select())]
        return found

    def rows_naming(self, *needles: str) -> dict[str, list[tuple[object, ...]]]:
        """The rows (by table) in which any value contains one of the needles."""
        named: dict[str, list[tuple[object, ...]]] = {}
        for table, rows in self.rows().items():
            for row in rows:
                if any(needle in str(value) for value in row for needle in needles):
                    named.setdefault(table, []).append(row)
        return named


@contextlib.asynccontextmanager
async def profile_world(database_url: str, **profile: object) -> AsyncIterator[World]:
    """Services on a fresh database with recording outboxes; Discord forms hold five inputs."""
    config = parse_config(
        {
            "database": {"url": database_url},
            "ingest": {"analysis_workers": 0},
            "profile": dict(profile),
        },
        environ={},
    )
    clock = Clock()
    services = build_services(config, now=clock)
    upgrade(services.engine)
    outboxes = {"slack": RecordingOutbox(), "discord": RecordingOutbox()}
    services.outboxes.update(outboxes)
    services.form_capacity["discord"] = 5
    async with running_writer(services.writer):
        try:
            yield World(services, clock, outboxes)
        finally:
            services.analysis.close()
    services.engine.dispose()


def button(reply: ReplyOrForm, action: str) -> Button:
    """The button of a reply with this action."""
    assert isinstance(reply, Reply), reply
    found = [b for b in reply.buttons if b.action == action]
    assert found, (action, reply)
    return found[0]
