"""Text cleaning shared by question detection and topic terms.

Chat text carries markup that is not prose: code blocks, links, user and channel mentions,
custom and Unicode emoji, HTML from forum exports. Both the question detector and the term
extractor want the prose only, so they clean the same way.
"""

from __future__ import annotations

import html
import re
import unicodedata

_FENCED_CODE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_HTML_CODE = re.compile(r"<pre\b[^>]*>.*?(?:</pre>|\Z)", re.DOTALL | re.IGNORECASE)
_SLACK_LINK = re.compile(r"<(?:https?|mailto|ftp):[^>|]*(?:\|([^>]*))?>", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<[@#!][^>\s]*>")
_DISCORD_EMOJI = re.compile(r"<a?:\w+:\d+>")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]+)\)")
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_AT_MENTION = re.compile(r"(?<![\w@])@[\w.\-]+")
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+(?:::skin-tone-\d)?:", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\f\v]+")

MAX_CHARS = 20_000
"""Longer texts are cut: the start of a message says what it is about."""


def strip_markup(text: str) -> str:
    """Plain prose of a chat or forum message: no code blocks, links, mentions or emoji."""
    text = text[:MAX_CHARS]
    text = _FENCED_CODE.sub(" \n", text)
    text = _HTML_CODE.sub(" \n", text)
    text = _SLACK_LINK.sub(lambda m: f" {m.group(1) or ''} ", text)
    text = _SLACK_SPECIAL.sub(" ", text)
    text = _DISCORD_EMOJI.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MARKDOWN_LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _AT_MENTION.sub(" ", text)
    text = _SHORTCODE.sub(" ", text)
    text = "".join(" " if _is_symbol(ch) else ch for ch in text)
    return _SPACES.sub(" ", text).strip()


def _is_symbol(ch: str) -> bool:
    """True for emoji, pictographs and invisible format characters (not letters, accents)."""
    if ch.isascii():
        return False
    category = unicodedata.category(ch)
    if category == "Mn":
        return unicodedata.combining(ch) == 0
    return category in {"So", "Sk", "Cf", "Cs", "Co", "Cn"}


def fold(word: str) -> str:
    """Lower-case, accent-free form of a word, so that "Réseau" and "reseau" match."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
