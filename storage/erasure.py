"""Erasure: the one place that knows every table holding data about a member.

Every table of the schema is either listed here with the function that erases a member's
rows from it, or declared free of member data in ``NO_MEMBER_DATA``; a test fails when a
new table is neither, so deletion keeps reaching everything as the schema grows.
Aggregates that never name anyone (a community's settings, its channels) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from storage import engagement_erasure, expert_erasure
from storage.models import (
    Channel,
    ChannelDay,
    Community,
    CommunityDay,
    Conversation,
    DirtyDay,
    JobRun,
    MemberDay,
    ToneCase,
    ToneFeedback,
    ToneFlag,
)
from storage.tables import (
    Account,
    account_table,
    activity_table,
    answer_table,
    community_table,
    consent_table,
    link_code_table,
    member_table,
    profile_table,
    prompt_table,
)

job_run_table = JobRun.__table__  # type: ignore[attr-defined]
member_day_table = MemberDay.__table__  # type: ignore[attr-defined]
tone_flag_table = ToneFlag.__table__  # type: ignore[attr-defined]
tone_case_table = ToneCase.__table__  # type: ignore[attr-defined]
tone_feedback_table = ToneFeedback.__table__  # type: ignore[attr-defined]
channel_table = Channel.__table__  # type: ignore[attr-defined]

ERASED_MENTION = "[deleted member]"
"""What a deleted member's id becomes inside other people's stored message text."""

NO_MEMBER_DATA = frozenset(
    {
        Community.__tablename__,
        Channel.__tablename__,
        CommunityDay.__tablename__,
        ChannelDay.__tablename__,
        DirtyDay.__tablename__,
        Conversation.__tablename__,
    }
)
"""Tables that never hold a member's id, name or answers: settings, channels, and the
anonymous daily totals a deletion leaves behind (counts, not people)."""


@dataclass
class ErasureReport:
    """How many rows each table lost (or had scrubbed)."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        """Count rows removed from or changed in a table."""
        if count > 0:
            self.rows[table] = self.rows.get(table, 0) + count

    @property
    def total(self) -> int:
        """Rows removed or changed, over all tables."""
        return sum(self.rows.values())


def member_period(community: str, user_id: str) -> str:
    """The period a per-member job claims in job_run (``<community>/<user id>``)."""
    return f"{community}/{user_id}"


def _count(result: sa.CursorResult[object]) -> int:
    """Rows a statement touched (0 when the driver cannot tell)."""
    return max(int(result.rowcount or 0), 0)


def _activity(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member's own activity rows, and their id inside others' stored message text."""
    removed = _count(
        connection.execute(
            activity_table.delete().where(
                activity_table.c.community_id == who.community_id,
                activity_table.c.user_id == who.user_id,
            )
        )
    )
    text = activity_table.c.text
    scrubbed = connection.execute(
        activity_table.update()
        .where(
            activity_table.c.community_id == who.community_id,
            text.is_not(None),
            text.contains(who.user_id, autoescape=True),
        )
        .values(text=sa.func.replace(text, who.user_id, ERASED_MENTION))
    )
    return removed + _count(scrubbed)


def _member(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member row; an opted-out member keeps a bare row so that tracking stays off."""
    where = [
        member_table.c.community_id == who.community_id,
        member_table.c.user_id == who.user_id,
    ]
    if not keep_opt_out:
        return _count(connection.execute(member_table.delete().where(*where)))
    removed = _count(
        connection.execute(member_table.delete().where(*where, member_table.c.opted_out.is_(False)))
    )
    stripped = connection.execute(
        member_table.update()
        .where(*where)
        .values(name=None, joined_ms=None, left_ms=None, first_seen_ms=None, last_seen_ms=None)
    )
    return removed + _count(stripped)


def _member_days(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member's daily roll-up rows (their presence and counts, day by day)."""
    return _count(
        connection.execute(
            member_day_table.delete().where(
                member_day_table.c.community_id == who.community_id,
                member_day_table.c.user_id == who.user_id,
            )
        )
    )


def _tone_flags(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """Hostility flags on the member's own messages (their messages are gone too)."""
    return _count(
        connection.execute(
            tone_flag_table.delete().where(
                tone_flag_table.c.community_id == who.community_id,
                tone_flag_table.c.user_id == who.user_id,
            )
        )
    )


def _tone_deciders(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """Cases a moderator decided keep the decision but no longer say who made it."""
    return _count(
        connection.execute(
            tone_case_table.update()
            .where(
                tone_case_table.c.community_id == who.community_id,
                tone_case_table.c.decided_by == who.user_id,
            )
            .values(decided_by=None)
        )
    )


def _tone_feedback(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """A moderator's "not hostile" verdicts stay (the detector learned from them), unnamed."""
    return _count(
        connection.execute(
            tone_feedback_table.update()
            .where(
                tone_feedback_table.c.community_id == who.community_id,
                tone_feedback_table.c.user_id == who.user_id,
            )
            .values(user_id=ERASED_MENTION)
        )
    )


def _prompt(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The welcome and reminder record."""
    return _count(
        connection.execute(
            prompt_table.delete().where(
                prompt_table.c.community_id == who.community_id,
                prompt_table.c.user_id == who.user_id,
            )
        )
    )


def _job_runs(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """Per-member job claims (the reminder's), whose period names the member."""
    return _count(
        connection.execute(
            job_run_table.delete().where(
                job_run_table.c.period == member_period(who.community, who.user_id)
            )
        )
    )


def _account(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The account's link to a profile."""
    return _count(
        connection.execute(
            account_table.delete().where(
                account_table.c.community_id == who.community_id,
                account_table.c.user_id == who.user_id,
            )
        )
    )


AccountEraser = Callable[[sa.Connection, Account, bool], int]
ProfileEraser = Callable[[sa.Connection, int], int]


def _profile_rows(table: sa.Table, column: str) -> ProfileEraser:
    """An eraser deleting a profile's rows from ``table`` by ``column``."""

    def erase(connection: sa.Connection, profile_id: int) -> int:
        return _count(connection.execute(table.delete().where(table.c[column] == profile_id)))

    return erase


ACCOUNT_ERASERS: dict[str, AccountEraser] = {
    "activity": _activity,
    "member_day": _member_days,
    "interaction_day": engagement_erasure.erase_interactions,
    "member_level": engagement_erasure.erase_level,
    "ambassador_decision": engagement_erasure.erase_decisions,
    "community_staff": engagement_erasure.erase_staff,
    "tone_flag": _tone_flags,
    "tone_case": _tone_deciders,
    "tone_feedback": _tone_feedback,
    "member": _member,
    "profile_prompt": _prompt,
    "job_run": _job_runs,
    "question": expert_erasure.erase_questions,
    "expert_evidence": expert_erasure.erase_evidence,
    "expert_mention": expert_erasure.erase_mentions,
    "expert_optout": expert_erasure.erase_optout,
    "profile_account": _account,
}
"""Tables holding rows about one account (a member of one community), in erasing order."""

PROFILE_ERASERS: dict[str, ProfileEraser] = {
    "profile_answer": _profile_rows(answer_table, "profile_id"),
    "profile_consent": _profile_rows(consent_table, "profile_id"),
    "link_code": _profile_rows(link_code_table, "profile_id"),
    "profile_account": _profile_rows(account_table, "profile_id"),
    "profile": _profile_rows(profile_table, "id"),
}
"""Tables holding rows about one profile (one person), in erasing order."""

MEMBER_TABLES = frozenset(ACCOUNT_ERASERS) | frozenset(PROFILE_ERASERS)
"""Every table that can hold data about a member."""


def erase_account(
    connection: sa.Connection, who: Account, report: ErasureReport, *, keep_opt_out: bool = True
) -> None:
    """Every row about one account, in the caller's transaction."""
    for table, erase in ACCOUNT_ERASERS.items():
        report.add(table, erase(connection, who, keep_opt_out))


def erase_profile(connection: sa.Connection, profile_id: int, report: ErasureReport) -> None:
    """A profile with its answers, consents, link codes and account links."""
    for table, erase in PROFILE_ERASERS.items():
        report.add(table, erase(connection, profile_id))


def erase_person(
    connection: sa.Connection, accounts: Iterable[Account], profile_id: int | None
) -> ErasureReport:
    """Everything about a person: each of their accounts, then their profile."""
    report = ErasureReport()
    for who in accounts:
        erase_account(connection, who, report)
    if profile_id is not None:
        erase_profile(connection, profile_id, report)
    return report


def forget_history(connection: sa.Connection, who: Account) -> ErasureReport:
    """What tracking recorded about an account (activity, member facts, prompts); not its profile.

    Used when a member opts out: the member row stays, bare, to remember the choice.
    """
    report = ErasureReport()
    for table in ("activity", "member", "profile_prompt", "job_run"):
        report.add(table, ACCOUNT_ERASERS[table](connection, who, True))
    return report


def purge_community(connection: sa.Connection, key: str) -> ErasureReport:
    """Every row of a community (the bot was removed or uninstalled), and profiles left orphaned.

    A profile linked to an account elsewhere survives, without this community's account.
    """
    report = ErasureReport()
    found = connection.execute(
        sa.select(community_table.c.id).where(community_table.c.key == key)
    ).scalar()
    report.add(
        "job_run",
        _count(
            connection.execute(
                job_run_table.delete().where(
                    job_run_table.c.period.startswith(f"{key}/", autoescape=True)
                )
            )
        ),
    )
    if found is None:
        return report
    profiles = {
        int(row[0])
        for row in connection.execute(
            sa.select(account_table.c.profile_id).where(account_table.c.community_id == found)
        )
    }
    for table in (activity_table, member_table, prompt_table, account_table, channel_table):
        report.add(
            table.name,
            _count(connection.execute(table.delete().where(table.c.community_id == found))),
        )
    still_linked = sa.select(account_table.c.profile_id).where(
        account_table.c.profile_id.in_(profiles)
    )
    orphans = set(profiles) - {int(row[0]) for row in connection.execute(still_linked)}
    for profile_id in sorted(orphans):
        erase_profile(connection, profile_id, report)
    report.add(
        "community",
        _count(connection.execute(community_table.delete().where(community_table.c.id == found))),
    )
    return report
