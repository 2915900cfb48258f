"""SQLModel tables: communities, channels, members, the activity log and member profiles.

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


class Profile(SQLModel, table=True):
    """One person's profile: answers, consents and chat accounts hang off it.

    A person with accounts on both platforms who linked them has one profile; its answers
    are shown per community through that community's questionnaire, which decides at read
    time who may see each answer.
    """

    __tablename__ = "profile"

    id: int | None = Field(default=None, primary_key=True)
    created_ms: int = Field(sa_type=sa.BigInteger)
    updated_ms: int = Field(sa_type=sa.BigInteger)


class ProfileAccount(SQLModel, table=True):
    """A chat account (a member of a community) whose profile this is."""

    __tablename__ = "profile_account"

    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE", primary_key=True)
    user_id: str = Field(max_length=64, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", index=True)
    linked_ms: int = Field(sa_type=sa.BigInteger)


class ProfileAnswer(SQLModel, table=True):
    """One answer of a profile, normalised (codes and ids), as JSON text or a JSON list."""

    __tablename__ = "profile_answer"

    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", primary_key=True)
    question_id: str = Field(max_length=32, primary_key=True)
    value: str = Field(sa_type=sa.Text)
    updated_ms: int = Field(sa_type=sa.BigInteger)


class ProfileConsent(SQLModel, table=True):
    """The person agreed to this version of the profile notice at this time."""

    __tablename__ = "profile_consent"

    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", primary_key=True)
    notice_version: int = Field(primary_key=True)
    given_ms: int = Field(sa_type=sa.BigInteger)


class LinkCode(SQLModel, table=True):
    """A one-time code that links another account to a profile; only its hash is kept."""

    __tablename__ = "link_code"

    code_hash: str = Field(max_length=64, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", index=True)
    expires_ms: int = Field(sa_type=sa.BigInteger)


class ProfilePrompt(SQLModel, table=True):
    """The welcome message sent to a member who joined, and the one reminder due after it."""

    __tablename__ = "profile_prompt"

    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE", primary_key=True)
    user_id: str = Field(max_length=64, primary_key=True)
    welcomed_ms: int = Field(sa_type=sa.BigInteger)
    remind_after_ms: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    reminded_ms: int | None = Field(default=None, sa_type=sa.BigInteger)


class ToneCase(SQLModel, table=True):
    """A burst of hostile messages in one channel: one moderator alert, one decision.

    ``status`` is ``open``, ``handled``, ``cleared`` (moderators said "not hostile") or
    ``snoozed`` (later hostile messages of the channel join it quietly until
    ``snoozed_until_ms``). ``alert_message_id`` is the alert posted for it, if any.
    """

    __tablename__ = "tone_case"
    __table_args__ = (sa.Index("ix_tone_case_channel", "community_id", "channel_id", "id"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=64)
    opened_ms: int = Field(sa_type=sa.BigInteger)
    last_ms: int = Field(sa_type=sa.BigInteger)
    messages: int = 1
    status: str = Field(default="open", max_length=16)
    snoozed_until_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    alert_channel_id: str | None = Field(default=None, max_length=64)
    alert_message_id: str | None = Field(default=None, max_length=64)
    thread_replies: int = 0
    decided_by: str | None = Field(default=None, max_length=64)
    decided_ms: int | None = Field(default=None, sa_type=sa.BigInteger)


class ToneFlag(SQLModel, table=True):
    """A message flagged hostile, once per (community, message key), and the case it joined.

    Holds derived facts only (who, where, when, the lexicon terms that matched, a link);
    the message text itself is shown in the alert and never stored here.
    """

    __tablename__ = "tone_flag"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "message_key", name="uq_tone_flag_message"),
        sa.Index("ix_tone_flag_community_at", "community_id", "at_ms"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    message_key: str = Field(max_length=160)
    case_id: int | None = Field(
        default=None, sa_column=sa.Column(BigId, sa.ForeignKey("tone_case.id", ondelete="CASCADE"))
    )
    channel_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    user_id: str = Field(max_length=64)
    at_ms: int = Field(sa_type=sa.BigInteger)
    reasons: str = Field(default="", max_length=1000, description="newline-separated")
    link: str | None = Field(default=None, max_length=400)


class ToneFeedback(SQLModel, table=True):
    """A moderator's verdict on a case ("not hostile"), and the terms the detector learned."""

    __tablename__ = "tone_feedback"
    __table_args__ = (sa.UniqueConstraint("case_id", "verdict", name="uq_tone_feedback_case"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    case_id: int = Field(
        sa_column=sa.Column(
            BigId, sa.ForeignKey("tone_case.id", ondelete="CASCADE"), nullable=False
        )
    )
    user_id: str = Field(max_length=64)
    verdict: str = Field(max_length=16)
    messages: int = 0
    terms: str = Field(default="", max_length=2000, description="newline-separated")
    at_ms: int = Field(sa_type=sa.BigInteger)


PROFILE_TABLES = (Profile, ProfileAccount, ProfileAnswer, ProfileConsent, LinkCode, ProfilePrompt)
TONE_TABLES = (ToneCase, ToneFlag, ToneFeedback)


class Question(SQLModel, table=True):
    """A message detected as a question, once per (community, message key), and its fate.

    ``terms`` is the question's topic terms as JSON (no text is kept). ``first_reply_ms`` is
    the first reply by another human; ``mentioned`` the experts Pulse named (comma-separated);
    ``status`` is ``open``, ``answered``, ``handled`` or ``snoozed`` (until ``snoozed_until_ms``).
    """

    __tablename__ = "question"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "message_key", name="uq_question_message"),
        sa.Index("ix_question_community_asked", "community_id", "asked_ms"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    message_key: str = Field(max_length=160)
    channel_id: str = Field(max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    asker_id: str = Field(max_length=64)
    asked_ms: int = Field(sa_type=sa.BigInteger)
    terms: str = Field(default="{}", sa_type=sa.Text)
    first_question: bool = False
    first_reply_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    mentioned: str | None = Field(default=None, max_length=400)
    mentioned_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    alerted_ms: int | None = Field(default=None, sa_type=sa.BigInteger)
    status: str = Field(default="open", max_length=16)
    snoozed_until_ms: int | None = Field(default=None, sa_type=sa.BigInteger)


class ExpertEvidence(SQLModel, table=True):
    """A member's reply to someone's question: demonstrated expertise on its terms."""

    __tablename__ = "expert_evidence"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "message_key", name="uq_expert_evidence_message"),
        sa.Index("ix_expert_evidence_question", "community_id", "question_key"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    member_id: str = Field(max_length=64)
    message_key: str = Field(max_length=160)
    question_key: str = Field(max_length=160)
    at_ms: int = Field(sa_type=sa.BigInteger)
    terms: str = Field(default="{}", sa_type=sa.Text)
    thanked: bool = False
    accepted: bool = False
    reactions: int = 0


class ExpertMention(SQLModel, table=True):
    """Pulse named a member as an expert for a question (cooldown, daily cap, hit rate)."""

    __tablename__ = "expert_mention"
    __table_args__ = (
        sa.UniqueConstraint(
            "community_id", "question_key", "member_id", name="uq_expert_mention_question"
        ),
        sa.Index("ix_expert_mention_member", "community_id", "member_id", "at_ms"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True))
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    member_id: str = Field(max_length=64)
    question_key: str = Field(max_length=160)
    at_ms: int = Field(sa_type=sa.BigInteger)
    answered: bool = False


class ExpertOptOut(SQLModel, table=True):
    """A member who asked never to be mentioned as an expert."""

    __tablename__ = "expert_optout"
    __table_args__ = (sa.UniqueConstraint("community_id", "member_id", name="uq_expert_optout"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE")
    member_id: str = Field(max_length=64)
    at_ms: int = Field(sa_type=sa.BigInteger)


EXPERT_TABLES = (Question, ExpertEvidence, ExpertMention, ExpertOptOut)
ALL_TABLES = (
    Community,
    Channel,
    Member,
    Activity,
    JobRun,
    DirtyDay,
    *ROLLUP_TABLES,
    *ENGAGEMENT_TABLES,
    *PROFILE_TABLES,
    *TONE_TABLES,
    *EXPERT_TABLES,
)
