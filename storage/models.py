"""SQLModel tables: communities, channels, members and the activity log.

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


class DirtyDay(SQLModel, table=True):
    """A UTC day of a community whose roll-ups must be recomputed (new or late events)."""

    __tablename__ = "dirty_day"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    day: int = Field(primary_key=True, description="days since 1970-01-01 (UTC)")


class CommunityDay(SQLModel, table=True):
    """One community's activity over one UTC day: the digest's headline figures."""

    __tablename__ = "community_day"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    day: int = Field(primary_key=True)
    messages: int = 0
    replies: int = 0
    reactions_added: int = 0
    reactions_removed: int = 0
    positive: int = 0
    negative: int = 0
    hostile: int = 0


class MemberDay(SQLModel, table=True):
    """One member's activity on one UTC day: distinct actives, presence, levels, churn."""

    __tablename__ = "member_day"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    day: int = Field(primary_key=True)
    user_id: str = Field(primary_key=True, max_length=64)
    messages: int = 0
    replies: int = 0
    reactions: int = 0
    joined: bool = False


class ChannelDay(SQLModel, table=True):
    """One channel's activity and tone on one UTC day: trends per channel."""

    __tablename__ = "channel_day"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    day: int = Field(primary_key=True)
    channel_id: str = Field(primary_key=True, max_length=64)
    messages: int = 0
    polarity_sum: float = 0.0
    scored: int = 0
    negative: int = 0
    hostile: int = 0


class Conversation(SQLModel, table=True):
    """A message that someone other than its author answered, and when they first did."""

    __tablename__ = "conversation"
    __table_args__ = (sa.Index("ix_conversation_day", "community_id", "parent_day"),)

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    parent_key: str = Field(primary_key=True, max_length=160)
    parent_day: int
    parent_ms: int = Field(sa_type=sa.BigInteger)
    first_reply_ms: int = Field(sa_type=sa.BigInteger)


class InteractionDay(SQLModel, table=True):
    """Who answered or reacted to whom, in which channel, on one UTC day: the graph's input.

    ``kind`` uses ``bot.engagement.InteractionKind`` values (0 reply, 2 thanks, 3 reaction);
    ``channel_id`` is ``''`` when the event had none. Reactions count when added, as in
    ``member_day``; a member's own messages never count.
    """

    __tablename__ = "interaction_day"
    __table_args__ = (sa.Index("ix_interaction_day_target", "community_id", "target_id", "day"),)

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    day: int = Field(primary_key=True)
    source_id: str = Field(primary_key=True, max_length=64)
    target_id: str = Field(primary_key=True, max_length=64)
    kind: int = Field(primary_key=True, sa_type=sa.SmallInteger)
    channel_id: str = Field(primary_key=True, max_length=64)
    count: int = 0


class MemberLevel(SQLModel, table=True):
    """A member's engagement level as last settled, kept for the demotion grace period.

    ``reported_level`` is the level the last posted digest counted, so the next digest can
    say who moved up, held or moved down since (NULL: never reported).
    """

    __tablename__ = "member_level"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=64)
    level: int = Field(sa_type=sa.SmallInteger)
    since_ms: int = Field(sa_type=sa.BigInteger)
    pending: int | None = Field(default=None, sa_type=sa.SmallInteger)
    pending_since_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    reported_level: int | None = Field(default=None, sa_type=sa.SmallInteger)
    assessed_ms: int = Field(sa_type=sa.BigInteger)


class AmbassadorDecision(SQLModel, table=True):
    """A moderator's decision on an ambassador candidate; hides them until ``until_ms``."""

    __tablename__ = "ambassador_decision"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=64)
    decision: str = Field(max_length=16, description="approved, deferred or rejected")
    decided_by: str = Field(max_length=64)
    decided_ms: int = Field(sa_type=sa.BigInteger)
    until_ms: int | None = Field(default=None, sa_type=sa.BigInteger, description="NULL: for good")


class CommunityStaff(SQLModel, table=True):
    """Members the platform reports as moderators or admins, left out of every ranking."""

    __tablename__ = "community_staff"

    community_id: int = Field(primary_key=True, foreign_key="community.id", ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=64)
    seen_ms: int = Field(sa_type=sa.BigInteger)


ROLLUP_TABLES = (CommunityDay, MemberDay, ChannelDay, Conversation, InteractionDay)
ENGAGEMENT_TABLES = (MemberLevel, AmbassadorDecision, CommunityStaff)
ALL_TABLES = (
    Community,
    Channel,
    Member,
    Activity,
    JobRun,
    DirtyDay,
    *ROLLUP_TABLES,
    *ENGAGEMENT_TABLES,
)
