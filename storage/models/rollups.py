"""Daily roll-ups and the engagement state derived from them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


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
