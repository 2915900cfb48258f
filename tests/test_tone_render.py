"""Member-written text in an alert is shown verbatim and inert on both platforms: no pings,
no links, no formatting escaping its code block; long reports are split, not cut."""

from __future__ import annotations

import discord

from bot.ports import Reply
from handlers.discord_outbox import DESCRIPTION_LIMIT, allowed_mentions, message_parts
from handlers.discord_outbox import inert as discord_inert
from handlers.slack_render import MAX_TEXT, fallback_text, reply_blocks
from handlers.slack_render import inert as slack_inert

NASTY = (
    "<!everyone> <@U0VICTIM> &lt;b&gt; 1 &amp; 2 <https://evil.example|click> ```break``` *bold*"
)


def test_slack_quotes_are_escaped_inside_a_code_block() -> None:
    shown = slack_inert(NASTY)
    assert shown.startswith("```\n") and shown.endswith("\n```")
    body = shown[4:-4]
    assert "<" not in body and ">" not in body  # no mention, channel ping or link survives
    assert "&lt;!everyone&gt;" in body and "&lt;@U0VICTIM&gt;" in body
    assert "&lt;b&gt;" in body and "1 &amp; 2" in body  # Slack's own escapes shown once
    assert "&amp;lt;" not in body
    assert "```" not in body  # a fence in the text cannot close the block


def test_slack_quotes_fit_block_kit_whatever_their_length() -> None:
    for text in ("<" * 4000, "x" * 4000, "é" * 4000, "&" * 1000 + "y" * 3000):
        shown = slack_inert(text)
        assert len(shown) <= MAX_TEXT
        assert shown.endswith("…\n```")
        assert "&am…" not in shown and "&l…" not in shown  # never half an entity


def test_slack_alert_blocks_and_notification_leave_the_quote_inert() -> None:
    reply = Reply(title="Hostile message", fields=(("Who", "<@U1>"),), quote=NASTY)
    blocks = reply_blocks(reply)
    quoted = [b for b in blocks if b["type"] == "section" and "text" in b]
    assert quoted and quoted[0]["text"]["text"] == slack_inert(NASTY)
    assert "everyone" not in fallback_text(reply)


def test_slack_long_reports_span_several_sections() -> None:
    lines = tuple(f"line {n} " + "x" * 200 for n in range(40))
    sections = [b for b in reply_blocks(Reply(lines=lines)) if b["type"] == "section"]
    assert len(sections) >= 3
    assert all(len(s["text"]["text"]) <= MAX_TEXT for s in sections)
    assert "\n".join(s["text"]["text"] for s in sections) == "\n".join(lines)


def test_discord_quotes_sit_in_a_code_block_and_ping_nobody() -> None:
    reply = Reply(title="Hostile message", quote="@everyone <@123> ```x``` " + "y" * 5000)
    parts = message_parts(reply)
    description = parts["embed"].description
    assert len(description) <= DESCRIPTION_LIMIT
    assert description == discord_inert(reply.quote)
    assert description.count("```") == 2
    mentions = parts["allowed_mentions"].to_dict()
    assert mentions["parse"] == [] and mentions.get("users", []) == []
    assert "content" not in parts


def test_discord_only_the_replys_own_mentions_may_notify() -> None:
    mentions = allowed_mentions(Reply(mentions=("42", "not-an-id"))).to_dict()
    assert mentions["parse"] == []
    assert mentions["users"] == [42]
    assert isinstance(allowed_mentions(Reply()), discord.AllowedMentions)
