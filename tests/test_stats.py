"""The KPI definitions of INTERFACE.md, checked on small hand-built histories."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.stats import Window, community_stats
from tests.factories import COMMUNITY, T0, at, joined, message, reaction


def _stats(engine: sa.Engine, events: list, since_min: float = 0, until_min: float = 600) -> dict:
    ActivityStore(engine, store_text=False).write(events)
    return community_stats(engine, COMMUNITY, Window(at(since_min), at(until_min)))


def test_conversation_counts(engine: sa.Engine) -> None:
    events = [
        message("1.0", "UA", 1),  # question
        message("2.0", "UB", 2, thread_ts="1.0"),  # answer by someone else: makes a thread
        message("3.0", "UA", 3, thread_ts="1.0"),  # asker follows up
        message("4.0", "UC", 4),  # self-answered only
        message("5.0", "UC", 5, thread_ts="4.0"),
        message("6.0", "UD", 6),  # no reply at all
        reaction("1.0", "UE", 7),
        reaction("1.0", "UB", 8),
        reaction("1.0", "UB", 9, added=False),
        joined("UF", 10),
    ]
    stats = _stats(engine, events)
    assert stats["messages"] == 6
    assert stats["replies"] == 3
    assert stats["threads"] == 1
    assert stats["reactions"] == 1
    assert stats["active_members"] == 5  # UA..UE; UF only joined
    assert stats["new_members"] == 1


def test_window_is_half_open_and_threads_need_the_reply_before_until(engine: sa.Engine) -> None:
    events = [
        message("1.0", "UA", 0),  # exactly at since: inside
        message("2.0", "UB", 100, thread_ts="1.0"),  # exactly at until: outside
        message("3.0", "UC", 50),
        message("4.0", "UD", 60, thread_ts="3.0"),
    ]
    stats = _stats(engine, events, since_min=0, until_min=100)
    assert stats["messages"] == 3
    assert stats["threads"] == 1  # only 3.0: the reply to 1.0 comes at until


def test_parent_before_the_window_is_not_a_thread_of_the_window(engine: sa.Engine) -> None:
    events = [message("1.0", "UA", -10), message("2.0", "UB", 5, thread_ts="1.0")]
    stats = _stats(engine, events, since_min=0)
    assert stats["messages"] == 1
    assert stats["replies"] == 1
    assert stats["threads"] == 0


def test_unknown_community_reports_zeros(engine: sa.Engine) -> None:
    stats = community_stats(engine, "discord:1", Window(T0, T0 + timedelta(days=1)))
    assert stats["messages"] == 0
    assert stats["community"] == "discord:1"
    assert stats["since"] == "2026-11-02T12:00:00Z"


def test_rejoin_counts_one_new_member_and_removed_reactions_can_go_negative(
    engine: sa.Engine,
) -> None:
    again = joined("UF", 20)
    events = [joined("UF", 10), type(again)(again.community, "UF", again.at, "join:UF:2")]
    events += [reaction("9.0", "UA", 30, added=False)]  # added before the window
    stats = _stats(engine, events)
    assert stats["new_members"] == 1
    assert stats["reactions"] == -1
