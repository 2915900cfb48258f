"""SQLModel tables, one module per domain; every table and constant is importable from here.

Times in the hot tables are UTC epoch milliseconds (``*_ms``): integers index and compare
the same way on SQLite and PostgreSQL, and a day bucket is plain integer division.
"""

from __future__ import annotations

from storage.models.core import (
    DAY_MS,
    Activity,
    BigId,
    Channel,
    Community,
    JobRun,
    Member,
)
from storage.models.experts import (
    EXPERT_TABLES,
    ExpertEvidence,
    ExpertMention,
    ExpertOptOut,
    Question,
)
from storage.models.profiles import (
    PROFILE_TABLES,
    LinkCode,
    Profile,
    ProfileAccount,
    ProfileAnswer,
    ProfileConsent,
    ProfilePrompt,
)
from storage.models.rollups import (
    ENGAGEMENT_TABLES,
    ROLLUP_TABLES,
    AmbassadorDecision,
    ChannelDay,
    CommunityDay,
    CommunityStaff,
    Conversation,
    DirtyDay,
    InteractionDay,
    MemberDay,
    MemberLevel,
)
from storage.models.tone import (
    TONE_TABLES,
    ToneCase,
    ToneFeedback,
    ToneFlag,
)

ALL_TABLES = (
    Community,
    Channel,
    Member,
    Activity,
    JobRun,
    DirtyDay,
    *ROLLUP_TABLES,
    *ENGAGEMENT_TABLES,
    *PROFILE_TABLES,
    *TONE_TABLES,
    *EXPERT_TABLES,
)

__all__ = [
    "ALL_TABLES",
    "DAY_MS",
    "ENGAGEMENT_TABLES",
    "EXPERT_TABLES",
    "PROFILE_TABLES",
    "ROLLUP_TABLES",
    "TONE_TABLES",
    "Activity",
    "AmbassadorDecision",
    "BigId",
    "Channel",
    "ChannelDay",
    "Community",
    "CommunityDay",
    "CommunityStaff",
    "Conversation",
    "DirtyDay",
    "ExpertEvidence",
    "ExpertMention",
    "ExpertOptOut",
    "InteractionDay",
    "JobRun",
    "LinkCode",
    "Member",
    "MemberDay",
    "MemberLevel",
    "Profile",
    "ProfileAccount",
    "ProfileAnswer",
    "ProfileConsent",
    "ProfilePrompt",
    "Question",
    "ToneCase",
    "ToneFeedback",
    "ToneFlag",
]
