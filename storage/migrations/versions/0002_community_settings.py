"""Community settings as one JSON document; the unused locale column goes into it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add community.settings, drop community.locale."""
    with op.batch_alter_table("community") as batch:
        batch.add_column(sa.Column("settings", sa.Text(), nullable=True))
        batch.drop_column("locale")


def downgrade() -> None:
    """Restore community.locale, drop community.settings."""
    with op.batch_alter_table("community") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
        batch.drop_column("settings")
