"""Daily roll-ups (community, member, channel), answered conversations, and dirty days.

Revision ID: 0005r
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005r"
down_revision = "0004"
branch_labels = None
depends_on = None


def _community_fk() -> sa.ForeignKeyConstraint:
    """Every roll-up row belongs to a community and goes with it."""
    return sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE")


def upgrade() -> None:
    """Create the roll-up tables."""
    day = [
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
    ]
    op.create_table(
        "dirty_day", *day, _community_fk(), sa.PrimaryKeyConstraint("community_id", "day")
    )
    counts = (
        "messages",
        "replies",
        "reactions_added",
        "reactions_removed",
        "positive",
        "negative",
        "hostile",
    )
    op.create_table(
        "community_day",
        *[sa.Column(c.name, c.type, nullable=False) for c in day],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts],
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "day"),
    )
    op.create_table(
        "member_day",
        *[sa.Column(c.name, c.type, nullable=False) for c in day],
        sa.Column("user_id", sa.String(length=64), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("messages", "replies", "reactions")
        ],
        sa.Column("joined", sa.Boolean(), nullable=False),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "day", "user_id"),
    )
    op.create_table(
        "channel_day",
        *[sa.Column(c.name, c.type, nullable=False) for c in day],
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("polarity_sum", sa.Float(), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("scored", "negative", "hostile")
        ],
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "day", "channel_id"),
    )
    op.create_table(
        "conversation",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("parent_key", sa.String(length=160), nullable=False),
        sa.Column("parent_day", sa.Integer(), nullable=False),
        sa.Column("parent_ms", sa.BigInteger(), nullable=False),
        sa.Column("first_reply_ms", sa.BigInteger(), nullable=False),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "parent_key"),
    )
    op.create_index("ix_conversation_day", "conversation", ["community_id", "parent_day"])


def downgrade() -> None:
    """Drop the roll-up tables."""
    op.drop_index("ix_conversation_day", table_name="conversation")
    for table in ("conversation", "channel_day", "member_day", "community_day", "dirty_day"):
        op.drop_table(table)
