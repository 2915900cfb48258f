"""Rendering of the core's replies as Slack Block Kit."""

from __future__ import annotations

from typing import Any

from bot.ports import Reply

MAX_FIELDS_PER_SECTION = 10  # Block Kit's limit for a section's fields
MAX_TEXT = 3000  # Block Kit's limit for one text object


def _mrkdwn(text: str) -> dict[str, str]:
    """A mrkdwn text object, cut to Block Kit's limit."""
    return {"type": "mrkdwn", "text": text[:MAX_TEXT]}


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Header, lines, fields (in sections of ten) and a context footer."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": reply.title[:150]}})
    if reply.lines:
        blocks.append({"type": "section", "text": _mrkdwn("\n".join(reply.lines))})
    fields = [_mrkdwn(f"*{label}*\n{value}") for label, value in reply.fields]
    for start in range(0, len(fields), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS_PER_SECTION]})
    if reply.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(reply.footer)]})
    return blocks
