"""Test doubles for the tone features: an Outbox that records, and analysed messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.analysis import Analyst, CommunityTerms, MessageFacts, MessageSample
from bot.events import MessagePosted
from bot.ports import Reply
from tests.factories import COMMUNITY, message

_ANALYST = Analyst()


@dataclass(frozen=True)
class Post:
    """One message the core sent through the outbox."""

    community: str
    channel_id: str
    reply: Reply
    thread_id: str | None
    id: str


@dataclass
class RecordingOutbox:
    """An Outbox that keeps what it is asked to send, as a transcript."""

    posts: list[Post] = field(default_factory=list)
    fail: bool = False

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        if self.fail:
            return None
        post = Post(community, channel_id, message, thread_id, f"M{len(self.posts) + 1}")
        self.posts.append(post)
        return post.id

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        return None

    async def message_link(
        self, community: str, channel_id: str, message_key: str, *, thread_id: str | None = None
    ) -> str | None:
        return f"https://chat.example/{channel_id}/{message_key}"

    def alerts(self) -> list[Post]:
        """Posts that start a conversation (not thread replies)."""
        return [post for post in self.posts if post.thread_id is None]

    def thread(self, alert: Post) -> list[Post]:
        """Posts in the thread under an alert."""
        return [post for post in self.posts if post.thread_id == alert.id]


def analysed(
    ts: str,
    user: str,
    minutes: float,
    text: str,
    *,
    channel: str = "C1",
    community: str = COMMUNITY,
    terms: CommunityTerms | None = None,
) -> tuple[MessagePosted, MessageFacts]:
    """A message and the facts the real tone engine derives from it."""
    posted = message(ts, user, minutes, channel=channel, text=text, community=community)
    sample = MessageSample(community, text, posted.is_reply)
    facts = _ANALYST.analyse([sample], {community: terms or CommunityTerms()})[0]
    return posted, facts
