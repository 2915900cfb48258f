"""Question facts at ingestion and the question KPIs of INTERFACE.md (questions, unanswered,
median first response), on hand-built histories."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore, to_ms
from bot.analysis import Analyst, CommunityTerms, MessageFacts, MessageSample
from bot.stats import Window, community_stats
from storage import questions
from storage.profiles import community_id
from tests.factories import COMMUNITY, at, message

ANALYST = Analyst()
HELP = CommunityTerms(help_channels=("CHELP",))


def _facts(
    text: str, *, channel: str = "C1", reply: bool = False, starter: bool = False
) -> MessageFacts:
    sample = MessageSample(COMMUNITY, text, reply, channel_id=channel, thread_starter=starter)
    return ANALYST.analyse([sample], {COMMUNITY: HELP})[0]


@pytest.mark.parametrize(
    "text",
    [
        "How do I configure docker compose networks?",
        "Comment faire pour installer le plugin ?",
        "anyone know why ```x = a ? b : c``` fails",
        "¿Cómo configuro docker? 🙏",
        "wie installiere ich das? " + "x" * 4000,
    ],
)
def test_questions_in_any_language_carry_their_terms(text: str) -> None:
    facts = _facts(text)
    assert facts.is_question
    assert facts.terms and all(weight > 0 for _, weight in facts.terms)


@pytest.mark.parametrize(
    "text", ["🎉🎉", "https://example.com/a?b=c", "what a day!", "```if x ? y : z```", ""]
)
def test_non_questions_have_no_terms(text: str) -> None:
    facts = _facts(text)
    assert not facts.is_question and facts.terms == ()


def test_help_channel_posts_are_questions_but_replies_never_are() -> None:
    assert _facts("my build fails with exit code 3", channel="CHELP").is_question
    assert not _facts("my build fails with exit code 3").is_question
    assert not _facts("my build fails with exit code 3", channel="CHELP", reply=True).is_question
    assert not _facts("thanks!", channel="CHELP").is_question
    assert not _facts("how do I do this?", reply=True).is_question


def test_thanks_is_a_fact_of_replies() -> None:
    assert _facts("thanks, that worked!", reply=True).thanks
    assert not _facts("thanks, that worked!").thanks
    assert not _facts("it still fails", reply=True).thanks


def _ask(engine: sa.Engine, ts: str, user: str, minutes: float) -> None:
    with engine.begin() as connection:
        cid = community_id(connection, COMMUNITY)
        assert cid is not None
        row = questions.QuestionRow(
            cid, f"C1/{ts}", "C1", None, user, to_ms(at(minutes)), {"docker": 1.0}
        )
        questions.record_question(connection, row)


def test_question_kpis(engine: sa.Engine) -> None:
    ActivityStore(engine, store_text=False).write(
        [
            message("1.0", "UA", 1, text="q1?"),
            message("2.0", "UA", 2, thread_ts="1.0"),  # the asker: not an answer
            message("3.0", "UB", 11, thread_ts="1.0"),  # answered after 10 minutes
            message("4.0", "UC", 20, text="q2?"),
            message("5.0", "UD", 50, thread_ts="4.0"),  # answered after 30 minutes
            message("6.0", "UD", 60, text="q3?"),  # never answered
            message("7.0", "UE", 70, text="q4?"),
            message("8.0", "UA", 700, thread_ts="7.0"),  # answered after the window
        ]
    )
    for ts, user, minutes in [("1.0", "UA", 1), ("4.0", "UC", 20), ("6.0", "UD", 60)]:
        _ask(engine, ts, user, minutes)
    _ask(engine, "7.0", "UE", 70)
    _ask(engine, "1.0", "UA", 1)  # recorded twice: counted once
    stats = community_stats(engine, COMMUNITY, Window(at(0), at(600)))
    assert stats["questions"] == 4
    assert stats["unanswered_questions"] == 2
    assert stats["median_first_response_seconds"] == 1200.0
    later = community_stats(engine, COMMUNITY, Window(at(0), at(800)))
    assert later["unanswered_questions"] == 1
    none = community_stats(engine, COMMUNITY, Window(at(55), at(65)))
    assert (none["questions"], none["median_first_response_seconds"]) == (1, None)


def test_a_question_recorded_after_its_reply_knows_it(engine: sa.Engine) -> None:
    ActivityStore(engine, store_text=False).write(
        [message("1.0", "UA", 1), message("2.0", "UB", 3, thread_ts="1.0")]
    )
    _ask(engine, "1.0", "UA", 1)
    with engine.connect() as connection:
        cid = community_id(connection, COMMUNITY)
        assert cid is not None
        state = questions.find_question(connection, cid, "C1/1.0")
    assert state is not None and state.first_reply_ms == to_ms(at(3))
    assert state.status == questions.ANSWERED and state.first_question
