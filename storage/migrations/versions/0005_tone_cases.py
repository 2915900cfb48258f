"""Hostility cases: bursts alerted once, flagged messages keyed once, moderators' verdicts.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _community() -> sa.ForeignKey:
    """A fresh foreign key to community.id (a ForeignKey belongs to one column)."""
    return sa.ForeignKey("community.id", ondelete="CASCADE")


def upgrade() -> None:
    """Create tone_case, tone_flag and tone_feedback."""
    op.create_table(
        "tone_case",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("opened_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until_ms", sa.BigInteger(), nullable=True),
        sa.Column("alert_channel_id", sa.String(length=64), nullable=True),
        sa.Column("alert_message_id", sa.String(length=64), nullable=True),
        sa.Column("thread_replies", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_ms", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_tone_case_channel", "tone_case", ["community_id", "channel_id", "id"])
    op.create_table(
        "tone_flag",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column("message_key", sa.String(length=160), nullable=False),
        sa.Column(
            "case_id", BigId, sa.ForeignKey("tone_case.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.String(length=1000), nullable=False),
        sa.Column("link", sa.String(length=400), nullable=True),
        sa.UniqueConstraint("community_id", "message_key", name="uq_tone_flag_message"),
    )
    op.create_index("ix_tone_flag_community_at", "tone_flag", ["community_id", "at_ms"])
    op.create_table(
        "tone_feedback",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("community_id", sa.Integer(), _community(), nullable=False),
        sa.Column(
            "case_id", BigId, sa.ForeignKey("tone_case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(length=2000), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("case_id", "verdict", name="uq_tone_feedback_case"),
    )


def downgrade() -> None:
    """Drop the hostility case tables."""
    op.drop_table("tone_feedback")
    op.drop_table("tone_flag")
    op.drop_table("tone_case")
