"""Expert routing: questions and their fate, demonstrated expertise, mentions, opt-outs.

Revision ID: 0006e
Revises: 0005r
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006e"
down_revision = "0005r"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _community() -> sa.ForeignKey:
    """A fresh foreign key to community.id (a ForeignKey belongs to one column)."""
    return sa.ForeignKey("community.id", ondelete="CASCADE")


def _question() -> None:
    """Create the question table."""
    op.create_table(
        "question",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("message_key", sa.String(length=160), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("asker_id", sa.String(length=64), nullable=False),
        sa.Column("asked_ms", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("first_question", sa.Boolean(), nullable=False),
        sa.Column("first_reply_ms", sa.BigInteger(), nullable=True),
        sa.Column("mentioned", sa.String(length=400), nullable=True),
        sa.Column("mentioned_ms", sa.BigInteger(), nullable=True),
        sa.Column("alerted_ms", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until_ms", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("community_id", "message_key", name="uq_question_message"),
    )
    op.create_index("ix_question_community_asked", "question", ["community_id", "asked_ms"])


def upgrade() -> None:
    """Create question, expert_evidence, expert_mention and expert_optout."""
    _question()
    op.create_table(
        "expert_evidence",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("message_key", sa.String(length=160), nullable=False),
        sa.Column("question_key", sa.String(length=160), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("thanked", sa.Boolean(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reactions", sa.Integer(), nullable=False),
        sa.UniqueConstraint("community_id", "message_key", name="uq_expert_evidence_message"),
    )
    op.create_index(
        "ix_expert_evidence_question", "expert_evidence", ["community_id", "question_key"]
    )
    op.create_table(
        "expert_mention",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("question_key", sa.String(length=160), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.UniqueConstraint(
            "community_id", "question_key", "member_id", name="uq_expert_mention_question"
        ),
    )
    op.create_index(
        "ix_expert_mention_member", "expert_mention", ["community_id", "member_id", "at_ms"]
    )
    op.create_table(
        "expert_optout",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("community_id", "member_id", name="uq_expert_optout"),
    )


def downgrade() -> None:
    """Drop the expert routing tables."""
    op.drop_table("expert_optout")
    op.drop_table("expert_mention")
    op.drop_table("expert_evidence")
    op.drop_table("question")
