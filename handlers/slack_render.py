"""Rendering of the core's replies as Slack Block Kit."""

from __future__ import annotations

from typing import Any

from bot.ports import Button, ButtonStyle, Reply

MAX_FIELDS_PER_SECTION = 10  # Block Kit's limit for a section's fields
MAX_TEXT = 3000  # Block Kit's limit for one text object


def _mrkdwn(text: str) -> dict[str, str]:
    """A mrkdwn text object, cut to Block Kit's limit."""
    return {"type": "mrkdwn", "text": text[:MAX_TEXT]}


_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
FENCE = "```"


def inert(text: str, limit: int = MAX_TEXT - 2 * len(FENCE) - 2) -> str:
    """Member-written text as a code block that Slack shows verbatim: no mentions, links or
    formatting. Slack sends message text with ``&``, ``<`` and ``>`` already escaped, so it
    is unescaped first, then every control character is escaped again (a typed ``<`` shows
    as ``<``; ``<!everyone>`` or ``<@U1>`` show as text and notify nobody)."""
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    text = text.replace(FENCE, "`\u200b`\u200b`")  # a fence inside would end the block
    escaped: list[str] = []
    size = 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if size + len(piece) > limit - 1:
            escaped.append("…")
            break
        escaped.append(piece)
        size += len(piece)
    return f"{FENCE}\n{''.join(escaped)}\n{FENCE}"


def _chunks(lines: tuple[str, ...]) -> list[str]:
    """Lines joined into as few texts as fit Block Kit's limit (a long report spans sections)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > MAX_TEXT:
            chunks.append(current)
            candidate = line
        current = candidate
    if current or (lines and not chunks):
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Header, lines, the quoted text, fields (in sections of ten) and a context footer."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": reply.title[:150]}})
    for chunk in _chunks(reply.lines):
        blocks.append({"type": "section", "text": _mrkdwn(chunk)})
    if reply.quote:
        blocks.append({"type": "section", "text": _mrkdwn(inert(reply.quote))})
    fields = [_mrkdwn(f"*{label}*\n{value}") for label, value in reply.fields]
    for start in range(0, len(fields), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS_PER_SECTION]})
    if reply.buttons:
        blocks.append({"type": "actions", "elements": buttons(reply.buttons)})
    if reply.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(reply.footer)]})
    if reply.mentions:
        mentions = " ".join(f"<@{user}>" for user in reply.mentions)
        blocks.insert(0, {"type": "section", "text": _mrkdwn(mentions)})
    return blocks


ACTION_PREFIX = "pulse:"


def buttons(items: tuple[Button, ...]) -> list[dict[str, Any]]:
    """Block Kit buttons; action ids must be unique in a block, hence the index suffix."""
    elements = []
    for index, item in enumerate(items[:25]):
        element: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": item.label[:75]},
            "action_id": f"{ACTION_PREFIX}{item.action}#{index}",
            "value": item.value[:2000],
        }
        if item.style is not ButtonStyle.SECONDARY:
            element["style"] = item.style.value
        elements.append(element)
    return elements


def action_of(action_id: str) -> str:
    """The core's action name inside a Block Kit action id (``pulse:<action>#<index>``)."""
    return action_id.removeprefix(ACTION_PREFIX).partition("#")[0]


def fallback_text(reply: Reply) -> str:
    """The notification text Slack shows where blocks cannot be (and for screen readers)."""
    mentions = " ".join(f"<@{user}>" for user in reply.mentions)
    return " ".join(part for part in (mentions, reply.as_text()) if part)[:3000]
