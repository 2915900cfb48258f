"""``/pulse experts <topic>`` (and ``optout``/``optin`` of expert mentions) and
``/pulse unanswered``: the chat side of expert routing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from bot.activity_store import to_ms
from bot.events import utc
from bot.expert_text import listing_reply
from bot.expertise import RoutingPolicy, term_labels, topic_terms
from bot.experts import Experts, from_ms, thread_of
from bot.i18n import Translator
from bot.ports import CommandCall, Reply
from storage import questions

LISTED = 5
UNANSWERED_SHOWN = 15
UNANSWERED_WINDOW = timedelta(days=30)
LISTING_POLICY = RoutingPolicy(
    cooldown=timedelta(0), daily_cap=1_000_000, active_within=timedelta(days=365), rotation_margin=0
)
"""Listing is not mentioning: no cooldown, cap or rotation; members away a year are left out."""


async def experts_command(experts: Experts, call: CommandCall, say: Translator) -> Reply:
    """``/pulse experts <topic>``: the best matches with their evidence; optout/optin."""
    topic = call.argument.strip()
    if topic.lower() in {"optout", "optin"}:
        opted_out = topic.lower() == "optout"
        await asyncio.to_thread(experts.set_opted_out, call.community, call.user_id, opted_out)
        return Reply(lines=(say("experts.opted_out" if opted_out else "experts.opted_in"),))
    terms = topic_terms(topic)
    if not terms:
        return Reply(lines=(say("experts.usage"),))
    cid = await asyncio.to_thread(experts.community_id, call.community)
    ranked = []
    if cid is not None:
        ranked = await asyncio.to_thread(
            partial(
                experts.candidates,
                call.community,
                cid,
                terms,
                set(),
                policy=LISTING_POLICY,
                limit=LISTED,
            )
        )
    if not ranked:
        return Reply(lines=(say("experts.none", topic=topic[:80]),))
    return listing_reply(topic, ranked, term_labels(topic), say)


async def unanswered_command(experts: Experts, call: CommandCall, say: Translator) -> Reply:
    """``/pulse unanswered``: open questions with no reply, oldest first."""
    now = utc(experts.now())
    cid = await asyncio.to_thread(experts.community_id, call.community)
    rows: list[questions.QuestionState] = []
    if cid is not None:
        rows = await asyncio.to_thread(experts.open_questions, cid, to_ms(now - UNANSWERED_WINDOW))
    if not rows:
        return Reply(lines=(say("unanswered.none"),))
    lines = [await question_line(experts, call.community, row, say) for row in rows]
    shown = lines[:UNANSWERED_SHOWN]
    footer = (
        say("unanswered.more", count=len(lines) - len(shown)) if len(lines) > len(shown) else None
    )
    return Reply(title=say("unanswered.title", count=len(lines)), lines=tuple(shown), footer=footer)


async def question_line(
    experts: Experts, community: str, row: questions.QuestionState, say: Translator
) -> str:
    """One open question: where, who, how long ago, a link, and its flags."""
    hours = max(0, int((utc(experts.now()) - from_ms(row.asked_ms)).total_seconds() // 3600))
    link = await experts.link(community, row)
    flags = []
    if row.first_question:
        flags.append(say("unanswered.newcomer"))
    if row.mentioned:
        flags.append(say("unanswered.mentioned", who=", ".join(f"<@{m}>" for m in row.mentioned)))
    return say(
        "unanswered.line",
        who=f"<@{row.asker_id}>",
        where=f"<#{row.channel_id}>",
        hours=hours,
        link=link or thread_of(row.message_key),
        flags=(" · " + " · ".join(flags)) if flags else "",
    )
