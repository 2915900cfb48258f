"""SQLModel tables: communities, channels, members, the activity log and job runs.

Times in the hot tables are UTC epoch milliseconds (``*_ms``): integers index and compare
the same way on SQLite and PostgreSQL, and a day bucket is plain integer division.
Message text is a nullable column that stays empty unless the operator enables it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a log.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

DAY_MS = 86_400_000


class Community(SQLModel, table=True):
    """A Discord guild or Slack workspace that Pulse serves."""

    __tablename__ = "community"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True, description="slack:<team> or discord:<guild>")
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    created_ms: int = Field(sa_type=sa.BigInteger)
    settings: str | None = Field(
        default=None, sa_type=sa.Text, description="JSON, see bot.settings"
    )


class Channel(SQLModel, table=True):
    """A channel of a community, as last seen."""

    __tablename__ = "channel"
    __table_args__ = (sa.UniqueConstraint("community_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    is_archived: bool = False


class Member(SQLModel, table=True):
    """A person in a community, with when they joined and last took part."""

    __tablename__ = "member"
    __table_args__ = (sa.UniqueConstraint("community_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    user_id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    joined_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    left_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    first_seen_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_seen_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    opted_out: bool = False


class Activity(SQLModel, table=True):
    """One fact of the activity log: a message, a reaction added or removed, a join, a leave.

    ``key`` is unique per community and the same for every delivery of the same fact, so
    retries and re-imports are dropped by ``ON CONFLICT DO NOTHING``. ``parent_key`` is the
    key of the message a reply answers or a reaction is on.
    """

    __tablename__ = "activity"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "key", name="uq_activity_key"),
        sa.Index("ix_activity_community_at", "community_id", "at_ms"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    kind: int = Field(sa_type=sa.SmallInteger)
    key: str = Field(max_length=160)
    user_id: str = Field(max_length=64)
    at_ms: int = Field(sa_type=sa.BigInteger)
    channel_id: str | None = Field(default=None, max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    parent_key: str | None = Field(default=None, max_length=160)
    length: int = 0
    emoji: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, sa_type=sa.Text)
    # Derived from a message's text at ingestion (bot.analysis); NULL for other kinds.
    polarity: float | None = None
    tone: int | None = Field(default=None, sa_type=sa.SmallInteger, description="-1, 0, 1")
    hostile: bool | None = None
    language: str | None = Field(default=None, max_length=8)
    tone_version: int | None = Field(default=None, sa_type=sa.SmallInteger)


class JobRun(SQLModel, table=True):
    """A scheduled job's run for one period (a digest week, a reminder), claimed once."""

    __tablename__ = "job_run"

    job: str = Field(primary_key=True, max_length=120)
    period: str = Field(primary_key=True, max_length=64)
    claimed_ms: int = Field(sa_type=sa.BigInteger)
