"""Tone facts derived from each message at ingestion, with the analyzer's version.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add polarity, tone, hostile, language and tone_version to activity."""
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("polarity", sa.Float(), nullable=True))
        batch.add_column(sa.Column("tone", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("hostile", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("tone_version", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    """Drop the tone columns."""
    with op.batch_alter_table("activity") as batch:
        for column in ("tone_version", "language", "hostile", "tone", "polarity"):
            batch.drop_column(column)
