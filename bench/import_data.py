"""Write a synthetic Slack export of a chosen size, for import benchmarks and tests.

The export mimics a real one: ``users.json``, ``channels.json`` and one folder per channel
of pretty-printed day files; threads whose replies land in later day files; broadcasts,
``me_message`` and old-style ``file_share``; bot posts; ``channel_join`` noise; reactions
(from humans and from a bot). It returns the counts INTERFACE.md's rules give, as written.

Usage: ``python bench/import_data.py OUT_DIR [MESSAGES]``.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TEAM = "TBENCH0001"
START = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
PER_DAY = 40
CHANNELS = 20
USERS = 300
BOT_USER = "UBOT00001"


@dataclass
class Expected:
    """What an importer must find in the written export."""

    messages: int = 0
    replies: int = 0
    reactions: int = 0
    joins: int = 0
    authors: set[str] = field(default_factory=set)
    files: int = 0


def _users() -> list[dict[str, Any]]:
    """Human users, one bot user and Slackbot."""
    humans = [
        {"id": f"U{n:08X}", "team_id": TEAM, "name": f"member-{n:04x}", "real_name": f"Member {n}"}
        for n in range(USERS)
    ]
    bots = [
        {"id": BOT_USER, "team_id": TEAM, "name": "helper", "is_bot": True},
        {"id": "USLACKBOT", "team_id": TEAM, "name": "slackbot", "is_bot": False},
    ]
    return humans + bots


def _channels() -> list[dict[str, Any]]:
    """Channels, the first being the general one."""
    return [
        {
            "id": f"CB{n:07d}",
            "name": "general" if n == 0 else f"topic-{n}",
            "is_general": n == 0,
            "is_archived": n % 7 == 6,
            "members": [],
        }
        for n in range(CHANNELS)
    ]


class _Writer:
    """Builds messages channel by channel and tallies what they should count as."""

    def __init__(self, seed: int) -> None:
        """A seeded generator, so a given size always gives the same export."""
        self.rng = random.Random(seed)
        self.expected = Expected()
        self.roots: dict[str, list[str]] = {}

    def human_message(self, channel: str, ts: str) -> dict[str, Any]:
        """A counted message: plain, reply, broadcast, me_message or file_share."""
        user = f"U{self.rng.randrange(USERS):08X}"
        record: dict[str, Any] = {"type": "message", "user": user, "text": "hello " * 5, "ts": ts}
        roll = self.rng.random()
        roots = self.roots.setdefault(channel, [])
        if roll < 0.25 and roots:
            record["thread_ts"] = self.rng.choice(roots[-50:])
            record["parent_user_id"] = user
            if roll < 0.03:
                record["subtype"] = "thread_broadcast"
            self.expected.replies += 1
        else:
            roots.append(ts)
            if roll > 0.97:
                record["subtype"] = "file_share"
                record["file"] = {"id": f"F{ts}", "reactions": self.reactions(ts)}
                record["bot_id"] = None
            elif roll > 0.95:
                record["subtype"] = "me_message"
        if "file" not in record and self.rng.random() < 0.2:
            record["reactions"] = self.reactions(ts)
        self.expected.messages += 1
        self.expected.authors.add(user)
        return record

    def reactions(self, ts: str) -> list[dict[str, Any]]:
        """One or two emoji, each from a few humans and sometimes the bot user."""
        found = []
        for name in self.rng.sample(["+1", "tada", "clap::skin-tone-3"], self.rng.randint(1, 2)):
            users = sorted({f"U{self.rng.randrange(USERS):08X}" for _ in range(3)})
            self.expected.reactions += len(users)
            if self.rng.random() < 0.1:
                users.append(BOT_USER)
            found.append({"name": name, "users": users, "count": len(users)})
        return found

    def noise(self, ts: str) -> dict[str, Any]:
        """A message that never counts: a bot post or a channel event."""
        if self.rng.random() < 0.5:
            return {"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": ts}
        user = f"U{self.rng.randrange(USERS):08X}"
        return {"type": "message", "subtype": "channel_purpose", "user": user, "ts": ts}


def _write(path: Path, data: object) -> None:
    """Write JSON as Slack does (4-space indent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")


def _day_name(ts: float) -> str:
    """Day file name (UTC here; real exports use the exporter's zone)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d.json")


def write_slack_export(root: Path, messages: int = 100_000, seed: int = 7) -> Expected:
    """Write an export with exactly ``messages`` counted messages; return what it holds."""
    writer = _Writer(seed)
    _write(root / "users.json", _users())
    channels = _channels()
    _write(root / "channels.json", channels)
    joins = _join_messages()
    writer.expected.joins = USERS
    per_channel = -(-messages // CHANNELS)
    left = messages
    for channel in channels:
        count = min(per_channel, left)
        left -= count
        days = _channel_days(writer, channel["id"], count)
        if channel["is_general"]:
            for ts, record in joins:
                days.setdefault(_day_name(ts), []).append(record)
        for day, records in days.items():
            records.sort(key=lambda r: float(r["ts"]))
            _write(root / channel["name"] / day, records)
            writer.expected.files += 1
    return writer.expected


def _channel_days(writer: _Writer, channel: str, count: int) -> dict[str, list[Any]]:
    """``count`` human messages (plus 5% noise) spread over day files."""
    days: dict[str, list[Any]] = {}
    moment = START + 3600
    for n in range(count):
        moment += 86_400 / PER_DAY
        ts = f"{moment:.6f}"
        days.setdefault(_day_name(moment), []).append(writer.human_message(channel, ts))
        if n % 20 == 0:
            noise_ts = f"{moment + 1:.6f}"
            days.setdefault(_day_name(moment + 1), []).append(writer.noise(noise_ts))
    return days


def _join(user: str, ts: float) -> tuple[float, dict[str, Any]]:
    """A ``channel_join`` record and its time."""
    return ts, {"type": "message", "subtype": "channel_join", "user": user, "ts": f"{ts:.6f}"}


def _join_messages() -> list[tuple[float, dict[str, Any]]]:
    """One ``channel_join`` in general per human; a rejoin and a bot's join that never count."""
    joins = [_join(f"U{n:08X}", START + n * 60) for n in range(USERS)]
    joins.append(_join("U00000000", START + 86_400 * 3))
    joins.append(_join(BOT_USER, START + 86_400 * 3 + 1))
    return joins


if __name__ == "__main__":
    out = Path(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    found = write_slack_export(out, size)
    print(f"wrote {found.files} day files, {found.messages} messages to {out}")
