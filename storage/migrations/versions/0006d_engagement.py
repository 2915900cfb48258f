"""Engagement: daily interactions (roll-up), member levels, ambassador decisions, staff.

Every day already holding activity is marked dirty, so the next roll-up pass fills
``interaction_day`` for the existing history.

Revision ID: 0006d
Revises: 0005r
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006d"
down_revision = "0005r"
branch_labels = None
depends_on = None

DAY_MS = 86_400_000


def _community_fk() -> sa.ForeignKeyConstraint:
    """Every row belongs to a community and goes with it."""
    return sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE")


def _member_key() -> list[sa.Column[str] | sa.Column[int]]:
    """(community_id, user_id), the key of the per-member tables."""
    return [
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables and mark every stored day for a roll-up pass."""
    op.create_table(
        "interaction_day",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _community_fk(),
        sa.PrimaryKeyConstraint(
            "community_id", "day", "source_id", "target_id", "kind", "channel_id"
        ),
    )
    op.create_index(
        "ix_interaction_day_target", "interaction_day", ["community_id", "target_id", "day"]
    )
    op.create_table(
        "member_level",
        *_member_key(),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("since_ms", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.SmallInteger(), nullable=True),
        sa.Column("pending_since_ms", sa.BigInteger(), nullable=True),
        sa.Column("reported_level", sa.SmallInteger(), nullable=True),
        sa.Column("assessed_ms", sa.BigInteger(), nullable=False),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.create_table(
        "ambassador_decision",
        *_member_key(),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_ms", sa.BigInteger(), nullable=False),
        sa.Column("until_ms", sa.BigInteger(), nullable=True),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.create_table(
        "community_staff",
        *_member_key(),
        sa.Column("seen_ms", sa.BigInteger(), nullable=False),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.execute(
        "INSERT INTO dirty_day (community_id, day) "
        f"SELECT DISTINCT community_id, at_ms / {DAY_MS} FROM activity "
        "WHERE NOT EXISTS (SELECT 1 FROM dirty_day d WHERE d.community_id = activity.community_id "
        f"AND d.day = activity.at_ms / {DAY_MS})"
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index("ix_interaction_day_target", table_name="interaction_day")
    for table in ("community_staff", "ambassador_decision", "member_level", "interaction_day"):
        op.drop_table(table)
