"""Handles on the tables that hold members and profiles, shared by the storage modules,
and the address of a member: an account (a user id in a community)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import (
    Activity,
    Community,
    LinkCode,
    Member,
    Profile,
    ProfileAccount,
    ProfileAnswer,
    ProfileConsent,
    ProfilePrompt,
)

community_table = Community.__table__  # type: ignore[attr-defined]
member_table = Member.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]
profile_table = Profile.__table__  # type: ignore[attr-defined]
account_table = ProfileAccount.__table__  # type: ignore[attr-defined]
answer_table = ProfileAnswer.__table__  # type: ignore[attr-defined]
consent_table = ProfileConsent.__table__  # type: ignore[attr-defined]
link_code_table = LinkCode.__table__  # type: ignore[attr-defined]
prompt_table = ProfilePrompt.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Account:
    """A member of a community, as stored: the community's row id and key, and the user id."""

    community_id: int
    community: str
    user_id: str
