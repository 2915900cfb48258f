"""Per-message analysis at ingestion: what each message says about tone (and, as features
land, questions and topics), computed while its text is still in memory.

Text is not stored by default, so whatever Pulse derives from it must be derived on the
way in. Scoring costs a hundred microseconds or more per message, which the event loop's
process cannot afford at thousands of messages per second (it shares one GIL with the
loop), so the writer hands whole batches to a worker process. ``workers=0`` analyses in
a thread of this process instead: slower under load, but quick to start (tests, tools).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from bot.tone import ANALYZER_VERSION, NEGATIVE, POSITIVE, ToneAnalyzer

TONE_CODES = {NEGATIVE: -1, POSITIVE: 1}  # neutral is 0


@dataclass(frozen=True, slots=True)
class MessageSample:
    """What the analysis needs of one message: its text and a little context."""

    community: str
    text: str
    is_reply: bool = False
    default_language: str = "en"


@dataclass(frozen=True, slots=True)
class CommunityTerms:
    """A community's own hostility vocabulary: extra terms, and terms moderators cleared."""

    hostile: tuple[str, ...] = ()
    not_hostile: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What Pulse keeps of a message's content: tone, hostility and language."""

    polarity: float
    tone: int
    hostile: bool
    language: str
    tone_version: int = ANALYZER_VERSION
    hostile_reasons: tuple[str, ...] = ()


class Analyst:
    """Turns message samples into facts; builds each community's analyzer once."""

    def __init__(self) -> None:
        self._base = ToneAnalyzer()
        self._by_terms: dict[CommunityTerms, ToneAnalyzer] = {CommunityTerms(): self._base}

    def _analyzer(self, terms: CommunityTerms) -> ToneAnalyzer:
        """The analyzer for a community's terms (shares the loaded lexicons)."""
        analyzer = self._by_terms.get(terms)
        if analyzer is None:
            analyzer = self._base.with_terms(terms.hostile, terms.not_hostile)
            self._by_terms[terms] = analyzer
        return analyzer

    def analyse(
        self, samples: Sequence[MessageSample], terms: Mapping[str, CommunityTerms]
    ) -> list[MessageFacts]:
        """Facts for each sample, in order."""
        facts = []
        for sample in samples:
            analyzer = self._analyzer(terms.get(sample.community, CommunityTerms()))
            reading = analyzer.read(sample.text, sample.default_language, reply=sample.is_reply)
            facts.append(
                MessageFacts(
                    polarity=round(reading.polarity, 4),
                    tone=TONE_CODES.get(reading.label, 0),
                    hostile=reading.hostile,
                    language=reading.language[:8],
                    hostile_reasons=reading.hostile_reasons,
                )
            )
        return facts


_worker_analyst: Analyst | None = None


def _start_worker() -> None:
    """Worker process initialiser: load the lexicons once."""
    global _worker_analyst  # noqa: PLW0603  (one analyst per worker process, by design)
    _worker_analyst = Analyst()


def _analyse_in_worker(
    samples: Sequence[MessageSample], terms: Mapping[str, CommunityTerms]
) -> list[MessageFacts]:
    """Entry point run in the worker process."""
    assert _worker_analyst is not None, "worker not initialised"
    return _worker_analyst.analyse(samples, terms)


class AnalysisPool:
    """Runs the analysis off the event loop: in worker processes, or one local thread."""

    def __init__(self, workers: int = 1) -> None:
        self._analyst: Analyst | None = None
        self._executor: Executor
        if workers > 0:
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        else:
            self._analyst = Analyst()
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-analysis")

    async def analyse(
        self, samples: Sequence[MessageSample], terms: Mapping[str, CommunityTerms]
    ) -> list[MessageFacts]:
        """Facts for each sample, computed off the loop."""
        if not samples:
            return []
        if self._analyst is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._analyst.analyse, samples, terms)
        # Submitting to a process pool takes locks its manager thread holds while it pickles
        # and pipes a batch (measured: ~10 ms a batch), so submit and wait from a thread.
        future = self._executor.submit
        return await asyncio.to_thread(lambda: future(_analyse_in_worker, samples, terms).result())

    def submit(
        self, samples: Sequence[MessageSample], terms: Mapping[str, CommunityTerms]
    ) -> Future[list[MessageFacts]]:
        """Start analysing samples without an event loop (imports); the facts, later."""
        if self._analyst is not None:
            return self._executor.submit(self._analyst.analyse, samples, terms)
        return self._executor.submit(_analyse_in_worker, samples, terms)

    async def warm_up(self) -> None:
        """Start the workers and load their lexicons before the first real batch."""
        await self.analyse([MessageSample("-", "hello")], {})

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
