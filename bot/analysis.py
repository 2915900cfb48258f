"""Per-message analysis at ingestion: what each message says about tone, whether it asks a
question (and on which topic terms) or thanks someone, computed while its text is in memory.

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

from bot.expertise import is_question, is_thanks, topic_terms
from bot.tone import ANALYZER_VERSION, NEGATIVE, POSITIVE, ToneAnalyzer

TONE_CODES = {NEGATIVE: -1, POSITIVE: 1}  # neutral is 0


@dataclass(frozen=True, slots=True)
class MessageSample:
    """What the analysis needs of one message: its text and a little context."""

    community: str
    text: str
    is_reply: bool = False
    default_language: str = "en"
    channel_id: str = ""
    thread_starter: bool = False
    """The message opens a thread of its own (a Discord forum post)."""


@dataclass(frozen=True, slots=True)
class CommunityTerms:
    """A community's own vocabulary and places: hostility terms, cleared terms, help channels."""

    hostile: tuple[str, ...] = ()
    not_hostile: tuple[str, ...] = ()
    help_channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What Pulse keeps of a message's content: tone, hostility, language, question, thanks.

    ``terms`` are the topic terms (stem, weight) of a question, empty for other messages.
    """

    polarity: float
    tone: int
    hostile: bool
    language: str
    tone_version: int = ANALYZER_VERSION
    hostile_reasons: tuple[str, ...] = ()
    is_question: bool = False
    thanks: bool = False
    terms: tuple[tuple[str, float], ...] = ()


def question_facts(
    sample: MessageSample, terms: CommunityTerms
) -> tuple[bool, tuple[tuple[str, float], ...]]:
    """Whether a message opens a question (help channels count new posts) and its topic terms.

    Replies are never questions here: a follow-up inside a conversation is not a new request
    for help, and it could never get "a reply" of its own on Slack.
    """
    if sample.is_reply:
        return False, ()
    in_help = sample.channel_id in terms.help_channels
    asks = is_question(
        sample.text, in_help_channel=in_help, is_thread_starter=sample.thread_starter and in_help
    )
    if not asks:
        return False, ()
    found = topic_terms(sample.text)
    return True, tuple((term, round(weight, 4)) for term, weight in found.items())


class Analyst:
    """Turns message samples into facts; builds each community's analyzer once."""

    def __init__(self) -> None:
        self._base = ToneAnalyzer()
        self._by_terms: dict[tuple[tuple[str, ...], tuple[str, ...]], ToneAnalyzer] = {
            ((), ()): self._base
        }

    def _analyzer(self, terms: CommunityTerms) -> ToneAnalyzer:
        """The analyzer for a community's hostility terms (shares the loaded lexicons)."""
        vocabulary = (terms.hostile, terms.not_hostile)
        analyzer = self._by_terms.get(vocabulary)
        if analyzer is None:
            analyzer = self._base.with_terms(terms.hostile, terms.not_hostile)
            self._by_terms[vocabulary] = analyzer
        return analyzer

    def analyse(
        self, samples: Sequence[MessageSample], terms: Mapping[str, CommunityTerms]
    ) -> list[MessageFacts]:
        """Facts for each sample, in order."""
        facts = []
        for sample in samples:
            own = terms.get(sample.community, CommunityTerms())
            reading = self._analyzer(own).read(
                sample.text, sample.default_language, reply=sample.is_reply
            )
            asks, question_terms = question_facts(sample, own)
            facts.append(
                MessageFacts(
                    polarity=round(reading.polarity, 4),
                    tone=TONE_CODES.get(reading.label, 0),
                    hostile=reading.hostile,
                    language=reading.language[:8],
                    hostile_reasons=reading.hostile_reasons,
                    is_question=asks,
                    thanks=sample.is_reply and is_thanks(sample.text),
                    terms=question_terms,
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
