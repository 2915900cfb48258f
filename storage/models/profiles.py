"""Member profiles: accounts, answers, consents, link codes and prompts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Profile(SQLModel, table=True):
    """One person's profile: answers, consents and chat accounts hang off it.

    A person with accounts on both platforms who linked them has one profile; its answers
    are shown per community through that community's questionnaire, which decides at read
    time who may see each answer.
    """

    __tablename__ = "profile"

    id: int | None = Field(default=None, primary_key=True)
    created_ms: int = Field(sa_type=sa.BigInteger)
    updated_ms: int = Field(sa_type=sa.BigInteger)


class ProfileAccount(SQLModel, table=True):
    """A chat account (a member of a community) whose profile this is."""

    __tablename__ = "profile_account"

    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE", primary_key=True)
    user_id: str = Field(max_length=64, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", index=True)
    linked_ms: int = Field(sa_type=sa.BigInteger)


class ProfileAnswer(SQLModel, table=True):
    """One answer of a profile, normalised (codes and ids), as JSON text or a JSON list."""

    __tablename__ = "profile_answer"

    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", primary_key=True)
    question_id: str = Field(max_length=32, primary_key=True)
    value: str = Field(sa_type=sa.Text)
    updated_ms: int = Field(sa_type=sa.BigInteger)


class ProfileConsent(SQLModel, table=True):
    """The person agreed to this version of the profile notice at this time."""

    __tablename__ = "profile_consent"

    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", primary_key=True)
    notice_version: int = Field(primary_key=True)
    given_ms: int = Field(sa_type=sa.BigInteger)


class LinkCode(SQLModel, table=True):
    """A one-time code that links another account to a profile; only its hash is kept."""

    __tablename__ = "link_code"

    code_hash: str = Field(max_length=64, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE", index=True)
    expires_ms: int = Field(sa_type=sa.BigInteger)


class ProfilePrompt(SQLModel, table=True):
    """The welcome message sent to a member who joined, and the one reminder due after it."""

    __tablename__ = "profile_prompt"

    community_id: int = Field(foreign_key="community.id", ondelete="CASCADE", primary_key=True)
    user_id: str = Field(max_length=64, primary_key=True)
    welcomed_ms: int = Field(sa_type=sa.BigInteger)
    remind_after_ms: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    reminded_ms: int | None = Field(default=None, sa_type=sa.BigInteger)


PROFILE_TABLES = (Profile, ProfileAccount, ProfileAnswer, ProfileConsent, LinkCode, ProfilePrompt)
