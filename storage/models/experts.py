"""Questions, the evidence of who answered them, and expert mentions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.models.core import BigId


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
