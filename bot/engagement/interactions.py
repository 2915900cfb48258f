"""Interactions derived from the activity log's facts: replies, mentions, reactions, threads.

The roll-up reads messages and reactions (keys, authors, parents, threads) and this turns
them into the graph's :class:`~bot.engagement.graph.Interaction` tuples, so the rule for
"same thread" lives in one tested place rather than in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.engagement.graph import Interaction, InteractionKind


@dataclass(frozen=True, slots=True)
class MessageFact:
    """What the graph needs of one message (``at`` in epoch milliseconds)."""

    key: str
    author: str
    channel: str
    at: int
    parent_key: str | None = None
    thread_id: str | None = None
    mentions: tuple[str, ...] = ()
    thanks: bool = False
    """The message thanks the author of its parent (see ``bot.expertise.is_thanks``)."""


@dataclass(frozen=True, slots=True)
class ReactionFact:
    """What the graph needs of one reaction still in place."""

    reactor: str
    message_key: str
    at: int
    thanks: bool = False
    """The emoji says thanks (see ``bot.expertise.is_thanks_reaction``)."""


def _fact(source: str, target: str, kind: InteractionKind, channel: str, at: int) -> Interaction:
    """An :class:`Interaction` built at C speed (a named tuple's own ``__new__`` is Python)."""
    return tuple.__new__(Interaction, (source, target, kind, channel, at))


def _message_interactions(
    message: MessageFact,
    parent_author: str | None,
    peers: list[str],
) -> list[Interaction]:
    """The direct and co-presence interactions one message creates."""
    source, channel, at = message.author, message.channel, message.at
    found = []
    if parent_author is not None and parent_author != source:
        kind = InteractionKind.THANKS if message.thanks else InteractionKind.REPLY
        found.append(_fact(source, parent_author, kind, channel, at))
    if message.mentions:
        for named in dict.fromkeys(message.mentions):
            if named not in (source, parent_author):
                found.append(_fact(source, named, InteractionKind.MENTION, channel, at))
    for peer in peers:
        if peer not in (source, parent_author) and peer not in message.mentions:
            found.append(_fact(source, peer, InteractionKind.THREAD, channel, at))
    return found


def interactions_from(
    messages: Iterable[MessageFact],
    reactions: Iterable[ReactionFact],
    thread_peers: int = 5,
) -> list[Interaction]:
    """Interactions of messages (taken in time order) and of reactions on known messages.

    A thread message is co-present with at most ``thread_peers`` of the thread's most
    recent other participants: enough to tie a conversation together, without a busy
    thread turning into a clique of hundreds of weak ties.
    """
    authors: dict[str, tuple[str, str]] = {}
    recent: dict[tuple[str, str], list[str]] = {}
    found: list[Interaction] = []
    for message in sorted(messages, key=lambda item: item.at):
        authors[message.key] = (message.author, message.channel)
        parent = authors.get(message.parent_key) if message.parent_key else None
        thread = (message.channel, message.thread_id) if message.thread_id else None
        peers = recent.setdefault(thread, []) if thread else []
        found.extend(_message_interactions(message, parent[0] if parent else None, peers))
        if thread:
            if message.author in peers:
                peers.remove(message.author)
            peers.insert(0, message.author)
            del peers[thread_peers:]
    for reaction in reactions:
        known = authors.get(reaction.message_key)
        if known is None or known[0] == reaction.reactor:
            continue
        kind = InteractionKind.THANKS if reaction.thanks else InteractionKind.REACTION
        found.append(_fact(reaction.reactor, known[0], kind, known[1], reaction.at))
    return found
