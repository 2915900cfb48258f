"""Expert routing around the pure engine: questions and answers recorded as they commit, an
expertise index per community rebuilt lazily from stored evidence, and experts mentioned in
a question's thread with a one-line reason.

Fed by the writer after each commit (duplicates included): questions, replies and thanks
are keyed once in the database, so a retry or a replay never counts twice. Each community's
in-memory index is rebuilt from the stored evidence on first use and kept current here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import sqlalchemy as sa

from bot.activity_store import to_ms
from bot.analysis import MessageFacts
from bot.events import MessagePosted, utc
from bot.expert_text import route_reply
from bot.expertise import Candidate, ExpertiseIndex, RoutingPolicy, term_labels
from bot.i18n import Translator
from bot.optouts import OptOuts
from bot.ports import Outbox
from bot.settings import CommunitySettings, SettingsStore
from storage import expert_evidence as evidence
from storage import questions
from storage.profiles import community_id as find_community_id

log = logging.getLogger(__name__)

ROUTE_MAX_AGE = timedelta(hours=1)
"""Questions older than this when they arrive (a backfill) are recorded, not routed."""
MENTION_MEMORY = timedelta(days=30)
MENTIONED_PER_QUESTION = 2

OutboxFor = Callable[[str], Outbox | None]


def from_ms(at_ms: int) -> datetime:
    """An aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)


def policy_for(settings: CommunitySettings) -> RoutingPolicy:
    """The routing policy a community configured (threshold; the rest by default)."""
    if settings.expert_threshold is None:
        return RoutingPolicy()
    return RoutingPolicy(threshold=settings.expert_threshold)


def thread_of(message_key: str) -> str:
    """The id under which a message's thread lives: a Slack ``ts``, a Discord message id."""
    return message_key.rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class Routed:
    """Who was mentioned for a question (empty when no one fitted)."""

    members: tuple[str, ...]


class Experts:
    """Records questions and answers, keeps the expertise indexes, mentions experts."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        outbox_for: OutboxFor,
        *,
        optouts: OptOuts,
        locale: str = "en",
        now: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._outbox_for = outbox_for
        self._optouts = optouts
        self._locale = locale
        self.now = now
        self._indexes: dict[int, ExpertiseIndex] = {}
        self._guard = threading.Lock()
        self._serial = asyncio.Lock()

    def translator(self, settings: CommunitySettings) -> Translator:
        """Texts in the community's language."""
        return Translator(settings.locale or self._locale)

    async def on_commit(self, pairs: list[tuple[MessagePosted, MessageFacts]]) -> None:
        """Record a committed batch's questions, answers and thanks; route new questions."""
        async with self._serial:
            for message, facts in pairs:
                try:
                    asked = await asyncio.to_thread(self._record, message, facts)
                    if asked is not None:
                        await self._route_new(asked, message)
                except Exception:
                    log.exception("expert routing failed for %s", message.key)

    def community_id(self, community: str) -> int | None:
        """The stored id of a community, or None (blocking)."""
        with self._engine.connect() as connection:
            return find_community_id(connection, community)

    def index(self, community_id: int) -> ExpertiseIndex:
        """The community's expertise index, rebuilt from stored evidence on first use (blocking)."""
        with self._guard:
            found = self._indexes.get(community_id)
            if found is None:
                found = self._build(community_id)
                self._indexes[community_id] = found
            return found

    def _build(self, community_id: int) -> ExpertiseIndex:
        """An index from the stored answers, presence, declared skills, mentions, opt-outs."""
        since = to_ms(utc(self.now()) - MENTION_MEMORY)
        with self._engine.connect() as connection:
            stored = evidence.load(connection, community_id, since)
        index = ExpertiseIndex()
        for answer in stored.answers:
            index.record_answer(
                answer.member_id,
                answer.terms,
                from_ms(answer.at_ms),
                thanked=answer.thanked,
                accepted=answer.accepted,
                reactions=answer.reactions,
            )
        for member, seen_ms in stored.last_seen.items():
            index.record_activity(member, from_ms(seen_ms))
        for member, tags in stored.declared.items():
            index.declare(member, tags)
        for member, at_ms in stored.mentions:
            index.record_mention(member, from_ms(at_ms))
        for member in stored.opted_out:
            index.set_opted_out(member)
        for member in stored.left:
            index.forget(member)
        return index

    def _loaded(self, community_id: int) -> ExpertiseIndex | None:
        """The index if it is built already (updates to an unbuilt one are in the database)."""
        return self._indexes.get(community_id)

    def _record(
        self, message: MessagePosted, facts: MessageFacts
    ) -> questions.QuestionState | None:
        """Store what the message says for routing; the question it asks, if new (blocking)."""
        with self._guard, self._engine.begin() as connection:
            cid = find_community_id(connection, message.community)
            if cid is None:
                return None
            index = self._loaded(cid)
            if index is not None:
                index.record_activity(message.user_id, message.at)
            if facts.is_question and not message.is_reply:
                row = questions.QuestionRow(
                    cid,
                    message.key,
                    message.channel_id,
                    message.thread_id,
                    message.user_id,
                    to_ms(message.at),
                    evidence.as_terms(facts.terms),
                )
                return questions.record_question(connection, row)
            if message.parent_key is not None:
                self._record_reply(connection, cid, message, facts, index)
            return None

    def _record_reply(
        self,
        connection: sa.Connection,
        cid: int,
        message: MessagePosted,
        facts: MessageFacts,
        index: ExpertiseIndex | None,
    ) -> None:
        """A reply to a question: an answer by someone else, or the asker's thanks."""
        assert message.parent_key is not None
        question = questions.find_question(connection, cid, message.parent_key)
        if question is None:
            return
        if message.user_id == question.asker_id:
            thanked = facts.thanks and evidence.thank_latest(connection, cid, question.message_key)
            if thanked and index is not None:
                index.record_feedback(
                    thanked.member_id, thanked.terms, from_ms(thanked.at_ms), thanked=True
                )
            return
        questions.note_reply(connection, question.id, to_ms(message.at))
        evidence.mention_answered(connection, cid, question.message_key, message.user_id)
        answer = evidence.Answer(message.user_id, to_ms(message.at), question.terms)
        recorded = evidence.record_answer(
            connection, cid, message.key, question.message_key, answer
        )
        if recorded and index is not None:
            index.record_answer(message.user_id, question.terms, message.at)

    async def _route_new(self, question: questions.QuestionState, message: MessagePosted) -> None:
        """Mention experts for a question just asked, if the community routes on ask."""
        settings = await asyncio.to_thread(self._settings.get, message.community)
        if not settings.expert_routing:
            return
        if utc(self.now()) - utc(message.at) > ROUTE_MAX_AGE:
            return
        labels = term_labels(message.text or "")
        await self.route(message.community, question, labels, settings)

    def candidates(
        self,
        community: str,
        cid: int,
        terms: dict[str, float],
        exclude: set[str],
        *,
        policy: RoutingPolicy,
        limit: int,
    ) -> list[Candidate]:
        """Ranked candidates, minus opted-out members and members who left (blocking)."""
        index = self.index(cid)
        with self._engine.connect() as connection:
            exclude = exclude | evidence.opted_out(connection, cid)
            exclude |= evidence.left_members(connection, cid)
        with self._guard:
            ranked = index.rank(terms, utc(self.now()), exclude=exclude, limit=None, policy=policy)
        kept = [c for c in ranked if not self._optouts.blocks(community, c.member_id)]
        return kept[:limit]

    def _claim_mentions(
        self, question: questions.QuestionState, ranked: list[Candidate]
    ) -> tuple[str, ...] | None:
        """Record the mentions unless someone replied meanwhile; who to mention (blocking)."""
        now = utc(self.now())
        with self._guard, self._engine.begin() as connection:
            fresh = questions.question_by_id(connection, question.id)
            if fresh is None or fresh.first_reply_ms is not None:
                return None
            members = tuple(c.member_id for c in ranked)
            questions.set_mentioned(connection, question.id, members, to_ms(now))
            evidence.record_mentions(
                connection, question.community_id, question.message_key, members, to_ms(now)
            )
            index = self._indexes.get(question.community_id)
            if index is not None:
                for member in members:
                    index.record_mention(member, now)
            return members

    async def route(
        self,
        community: str,
        question: questions.QuestionState,
        labels: dict[str, str],
        settings: CommunitySettings,
        *,
        attempt: bool = False,
    ) -> Routed:
        """Mention the best one or two experts in the question's thread, with a reason each.

        ``attempt``: the radar's try, remembered even when no one fits, so it tries once.
        """
        ranked = await asyncio.to_thread(
            partial(
                self.candidates,
                community,
                question.community_id,
                question.terms,
                {question.asker_id},
                policy=policy_for(settings),
                limit=MENTIONED_PER_QUESTION,
            )
        )
        outbox = self._outbox_for(community)
        if outbox is None or not (ranked or attempt):
            return Routed(())
        members = await asyncio.to_thread(self._claim_mentions, question, ranked)
        if not members:
            return Routed(())
        reply = route_reply(ranked, labels, self.translator(settings))
        await outbox.post(
            community, question.channel_id, reply, thread_id=thread_of(question.message_key)
        )
        return Routed(members)

    def set_opted_out(self, community: str, member: str, opted_out: bool) -> None:
        """A member opts out of (or back into) expert mentions (blocking)."""
        cid = self.community_id(community)
        if cid is None:
            return
        with self._guard, self._engine.begin() as connection:
            evidence.set_opted_out(connection, cid, member, opted_out, to_ms(utc(self.now())))
            index = self._indexes.get(cid)
            if index is not None:
                index.set_opted_out(member, opted_out)

    def forget(self, community: str, member: str) -> None:
        """Drop a member from the loaded index (after an erasure)."""
        cid = self.community_id(community)
        with self._guard:
            if cid is not None and cid in self._indexes:
                self._indexes[cid].forget(member)

    def open_questions(
        self, community_id: int | None, since_ms: int
    ) -> list[questions.QuestionState]:
        """Questions with no reply yet, oldest first (blocking)."""
        with self._engine.connect() as connection:
            return questions.open_questions(connection, community_id, since_ms)

    async def link(self, community: str, question: questions.QuestionState) -> str | None:
        """A link to a question's message, when its platform is connected."""
        outbox = self._outbox_for(community)
        if outbox is None:
            return None
        return await outbox.message_link(
            community, question.channel_id, question.message_key, thread_id=question.thread_id
        )

    @property
    def engine(self) -> sa.Engine:
        """The database engine (for the radar's lookups)."""
        return self._engine

    def outbox(self, community: str) -> Outbox | None:
        """The community's outbox, if its platform is connected."""
        return self._outbox_for(community)

    def claim_alert(self, question_id: int) -> bool:
        """Take the right to alert moderators about a question, once (blocking)."""
        with self._engine.begin() as connection:
            return questions.claim_alert(connection, question_id, to_ms(utc(self.now())))

    def decide(self, community: str, value: str, status: str, until_ms: int | None) -> bool:
        """Moderators handled or snoozed a question of their community (blocking)."""
        cid = self.community_id(community)
        if cid is None or not value.isdigit():
            return False
        with self._engine.begin() as connection:
            found = questions.question_by_id(connection, int(value))
            if found is None or found.community_id != cid:
                return False
            return questions.set_status(connection, found.id, status, until_ms)
