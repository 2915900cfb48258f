"""Channel history as Slack keeps it: messages by ts, thread bookkeeping, reactions."""

import copy

from handlers.standin.slack_models import JsonDict, TsClock, ts_key

# Keys an event carries that a stored (conversations.history) message does not.
_EVENT_ONLY_KEYS = ("channel", "event_ts", "channel_type")


class MessageStore:
    """Messages per channel, keyed by ts, with parents kept up to date like Slack's."""

    def __init__(self, clock: TsClock) -> None:
        self._clock = clock
        self._channels: dict[str, dict[str, JsonDict]] = {}

    def add(self, channel_id: str, message: JsonDict) -> JsonDict:
        """Store a message (event- or history-shaped) and return the stored copy."""
        stored = {k: copy.deepcopy(v) for k, v in message.items() if k not in _EVENT_ONLY_KEYS}
        stored.setdefault("type", "message")
        if "ts" not in stored:
            stored["ts"] = self._clock.next()
        self._clock.observe(stored["ts"])
        messages = self._channels.setdefault(channel_id, {})
        messages[stored["ts"]] = stored
        parent_ts = stored.get("thread_ts")
        if parent_ts:
            self._refresh_thread(messages, parent_ts)
        return stored

    def get(self, channel_id: str, ts: str) -> JsonDict | None:
        """The stored message at `ts`, or None."""
        return self._channels.get(channel_id, {}).get(ts)

    def remove(self, channel_id: str, ts: str) -> JsonDict | None:
        """Delete a message (and update its thread's parent); returns what was removed."""
        messages = self._channels.get(channel_id, {})
        removed = messages.pop(ts, None)
        if removed is not None and removed.get("thread_ts") not in (None, ts):
            self._refresh_thread(messages, removed["thread_ts"])
        return removed

    def all(self, channel_id: str) -> list[JsonDict]:
        """Every stored message of a channel, oldest first."""
        messages = self._channels.get(channel_id, {}).values()
        return sorted(messages, key=lambda m: ts_key(m["ts"]))

    def top_level(self, channel_id: str) -> list[JsonDict]:
        """What conversations.history shows: parents, plain messages, thread broadcasts."""
        return [
            m
            for m in self.all(channel_id)
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]

    def replies(self, channel_id: str, parent_ts: str) -> list[JsonDict]:
        """The replies of a thread (parent excluded), oldest first."""
        return [
            m
            for m in self.all(channel_id)
            if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
        ]

    def react(self, channel_id: str, ts: str, name: str, user_id: str, added: bool) -> bool:
        """Add or remove one user's reaction; False when the message or reaction is missing."""
        message = self.get(channel_id, ts)
        if message is None:
            return False
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if added:
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user_id in entry["users"]:
                return False
            entry["users"].append(user_id)
        else:
            if entry is None or user_id not in entry["users"]:
                return False
            entry["users"].remove(user_id)
        entry["count"] = len(entry["users"])
        message["reactions"] = [r for r in reactions if r["count"]]
        if not message["reactions"]:
            del message["reactions"]
        return True

    def apply_event(self, event: JsonDict) -> None:
        """Reflect a delivered event in history, as Slack would have before sending it.

        A deliberately malformed event (tests of the app's robustness) is left out of
        history rather than failing the delivery.
        """
        try:
            self._apply(event)
        except (KeyError, ValueError, TypeError, AttributeError):
            return

    def _apply(self, event: JsonDict) -> None:
        """Update history for one well-formed event."""
        kind = event.get("type")
        if kind in ("reaction_added", "reaction_removed"):
            item = event.get("item") or {}
            if item.get("type") == "message":
                added = kind == "reaction_added"
                self.react(item["channel"], item["ts"], event["reaction"], event["user"], added)
            return
        if kind != "message" or "channel" not in event:
            return
        subtype = event.get("subtype")
        if subtype == "message_deleted":
            self.remove(event["channel"], event["deleted_ts"])
        elif subtype == "message_changed":
            self.add(event["channel"], event["message"])
        elif self.get(event["channel"], event["ts"]) is None:
            self.add(event["channel"], event)

    @staticmethod
    def _refresh_thread(messages: dict[str, JsonDict], parent_ts: str) -> None:
        """Recompute a parent's reply_count, reply_users and latest_reply."""
        parent = messages.get(parent_ts)
        if parent is None:
            return
        replies = sorted(
            (
                m
                for m in messages.values()
                if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
            ),
            key=lambda m: ts_key(m["ts"]),
        )
        if not replies:
            for key in ("thread_ts", "reply_count", "reply_users_count", "reply_users"):
                parent.pop(key, None)
            parent.pop("latest_reply", None)
            return
        users = list(dict.fromkeys(str(m.get("user") or m.get("bot_id")) for m in replies))
        parent.update(
            thread_ts=parent_ts,
            reply_count=len(replies),
            reply_users_count=len(users),
            reply_users=users[:5],
            latest_reply=replies[-1]["ts"],
            is_locked=parent.get("is_locked", False),
            subscribed=parent.get("subscribed", False),
        )
