"""Hostility cases, the flags that opened them, and moderators' feedback."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.models.core import BigId


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


TONE_TABLES = (ToneCase, ToneFlag, ToneFeedback)
