"""Expert routing in words: why a member is suggested, the mention, the ``experts`` listing."""

from __future__ import annotations

from collections.abc import Mapping

from bot.expertise import Candidate, Evidence
from bot.i18n import Translator
from bot.ports import Reply


def why(evidence: Evidence, labels: Mapping[str, str], say: Translator) -> str:
    """One line of reasons: declared skills, answers on the topic, thanks, or recent activity."""
    parts: list[str] = []
    if evidence.declared:
        parts.append(say("experts.why.declared", skills=", ".join(evidence.declared[:3])))
    answered = [topic for topic in evidence.topics if topic.answers]
    if answered:
        topics = ", ".join(labels.get(topic.term, topic.term) for topic in answered)
        count = max(topic.answers for topic in answered)
        parts.append(say("experts.why.answers", count=count, topics=topics))
    elif evidence.answers:
        parts.append(say("experts.why.answered", count=evidence.answers))
    if evidence.thanked:
        parts.append(say("experts.why.thanked", count=evidence.thanked))
    return "; ".join(parts) or say("experts.why.active")


def route_reply(ranked: list[Candidate], labels: Mapping[str, str], say: Translator) -> Reply:
    """The mention posted in a question's thread: who may help, and why, one line each."""
    lines = [say("experts.route.intro")]
    lines += [
        say("experts.route.line", who=f"<@{c.member_id}>", why=why(c.reasons, labels, say))
        for c in ranked
    ]
    return Reply(
        lines=tuple(lines),
        mentions=tuple(c.member_id for c in ranked),
        footer=say("experts.route.footer"),
        ephemeral=False,
    )


def listing_reply(
    topic: str, ranked: list[Candidate], labels: Mapping[str, str], say: Translator
) -> Reply:
    """``/pulse experts <topic>``: the best matches with their evidence (nobody notified)."""
    lines = tuple(
        say(
            "experts.list.line",
            who=f"<@{c.member_id}>",
            match=round(c.match * 100),
            why=why(c.reasons, labels, say),
        )
        for c in ranked
    )
    return Reply(title=say("experts.list.title", topic=topic[:80]), lines=lines)
