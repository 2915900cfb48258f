"""Job runs claimed per period, so a scheduled job runs once per period across processes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create job_run."""
    op.create_table(
        "job_run",
        sa.Column("job", sa.String(length=120), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("claimed_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("job", "period"),
    )


def downgrade() -> None:
    """Drop job_run."""
    op.drop_table("job_run")
