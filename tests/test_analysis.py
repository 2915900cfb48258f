"""Per-message analysis at ingestion: facts stored with each message, in a worker process
or a thread, and listeners told after commit; a failing analysis never costs an event."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool, CommunityTerms, MessageFacts, MessageSample
from bot.events import MessagePosted
from bot.ingest import EventWriter
from bot.stats import Window, community_stats
from tests.factories import COMMUNITY, at, message

SAMPLES = [
    MessageSample(COMMUNITY, "Thanks so much, this is brilliant! 🎉"),
    MessageSample(COMMUNITY, "The export crashes when the file is big, it doesn't work."),
    MessageSample(COMMUNITY, "you are a complete idiot, nobody wants you here"),
    MessageSample(COMMUNITY, "Merci beaucoup, c'est génial !", default_language="fr"),
    MessageSample(COMMUNITY, ""),
]


async def test_worker_process_and_thread_agree() -> None:
    process, thread = AnalysisPool(workers=1), AnalysisPool(workers=0)
    try:
        in_process = await process.analyse(SAMPLES, {})
        in_thread = await thread.analyse(SAMPLES, {})
    finally:
        process.close()
        thread.close()
    assert in_process == in_thread
    tones = [facts.tone for facts in in_thread]
    assert tones[0] == 1 and tones[1] == -1 and tones[3] == 1 and tones[4] == 0
    assert [facts.hostile for facts in in_thread] == [False, False, True, False, False]
    assert in_thread[3].language == "fr"


async def test_community_terms_reach_the_analysis() -> None:
    pool = AnalysisPool(workers=0)
    sample = [MessageSample(COMMUNITY, "you absolute wombat")]
    plain = await pool.analyse(sample, {})
    tuned = await pool.analyse(sample, {COMMUNITY: CommunityTerms(hostile=("wombat",))})
    pool.close()
    assert not plain[0].hostile
    assert tuned[0].hostile


def _writer(engine: sa.Engine, analysis: AnalysisPool) -> EventWriter:
    return EventWriter(ActivityStore(engine, store_text=False), analysis=analysis)


async def test_facts_are_stored_counted_and_announced(engine: sa.Engine) -> None:
    told: list[tuple[MessagePosted, MessageFacts]] = []

    async def listener(pairs: list[tuple[MessagePosted, MessageFacts]]) -> None:
        told.extend(pairs)

    async def broken_listener(pairs: list[tuple[MessagePosted, MessageFacts]]) -> None:
        raise RuntimeError("a listener bug must not reach the writer")

    writer = _writer(engine, AnalysisPool(workers=0))
    writer.add_listener(broken_listener)
    writer.add_listener(listener)
    writer.start()
    texts = [sample.text for sample in SAMPLES[:3]]
    for index, text in enumerate(texts):
        await writer.write(message(f"{index}.0", f"U{index}", index, text=text))
    await writer.close()
    await asyncio.sleep(0.05)  # listeners run as tasks after the commit
    stats = community_stats(engine, COMMUNITY, Window(at(-1), at(60)))
    assert stats["sentiment"] == {"positive": 1, "neutral": 0, "negative": 2}
    assert stats["hostile_messages"] == 1
    assert [facts.hostile for _, facts in told] == [False, False, True]
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT text FROM activity")).scalars().all()
    assert stored == [None, None, None]  # the text itself is still not kept


async def test_a_failing_analysis_costs_the_facts_not_the_events(engine: sa.Engine) -> None:
    class Broken(AnalysisPool):
        async def analyse(self, samples, terms):  # type: ignore[no-untyped-def]
            raise OSError("worker died")

    writer = _writer(engine, Broken(workers=0))
    writer.start()
    await writer.write(message("1.0", "UA", 1, text="hello"))
    await writer.close()
    stats = community_stats(engine, COMMUNITY, Window(at(-1), at(60)))
    assert stats["messages"] == 1
    assert stats["sentiment"]["neutral"] == 1  # unscored counts as neutral
