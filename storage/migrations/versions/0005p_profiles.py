"""Member profiles: profiles, their chat accounts, answers, consents, link codes, prompts.

Revision ID: 0005p
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005p"
down_revision = "0004"
branch_labels = None
depends_on = None


def _profile_fk() -> sa.ForeignKeyConstraint:
    """A cascading reference to the profile a row belongs to."""
    return sa.ForeignKeyConstraint(["profile_id"], ["profile.id"], ondelete="CASCADE")


def _community_fk() -> sa.ForeignKeyConstraint:
    """A cascading reference to the community a row belongs to."""
    return sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE")


def upgrade() -> None:
    """Create the profile tables."""
    op.create_table(
        "profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "profile_account",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("linked_ms", sa.BigInteger(), nullable=False),
        _community_fk(),
        _profile_fk(),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.create_index("ix_profile_account_profile_id", "profile_account", ["profile_id"])
    op.create_table(
        "profile_answer",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        _profile_fk(),
        sa.PrimaryKeyConstraint("profile_id", "question_id"),
    )
    op.create_table(
        "profile_consent",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("given_ms", sa.BigInteger(), nullable=False),
        _profile_fk(),
        sa.PrimaryKeyConstraint("profile_id", "notice_version"),
    )
    op.create_table(
        "link_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        _profile_fk(),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_link_code_profile_id", "link_code", ["profile_id"])
    op.create_table(
        "profile_prompt",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("welcomed_ms", sa.BigInteger(), nullable=False),
        sa.Column("remind_after_ms", sa.BigInteger(), nullable=True),
        sa.Column("reminded_ms", sa.BigInteger(), nullable=True),
        _community_fk(),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.create_index("ix_profile_prompt_remind_after_ms", "profile_prompt", ["remind_after_ms"])


def downgrade() -> None:
    """Drop the profile tables."""
    op.drop_index("ix_profile_prompt_remind_after_ms", table_name="profile_prompt")
    op.drop_table("profile_prompt")
    op.drop_index("ix_link_code_profile_id", table_name="link_code")
    op.drop_table("link_code")
    op.drop_table("profile_consent")
    op.drop_table("profile_answer")
    op.drop_index("ix_profile_account_profile_id", table_name="profile_account")
    op.drop_table("profile_account")
    op.drop_table("profile")
