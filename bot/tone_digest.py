"""The digest's tone section: channels whose tone fell well below their own baseline."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from bot.digest.model import DigestContext, DigestSection
from bot.i18n import Translator
from bot.tone_trends import drop_lines, tone_drops


@dataclass
class ToneSection:
    """Reports the channels whose tone turned this week, by the rule ``/pulse tone`` uses."""

    engine: sa.Engine
    key: str = "tone"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """The channels whose tone dropped, or nothing in a calm week."""
        drops = tone_drops(self.engine, context.community, context.until)
        if not drops:
            return None
        return DigestSection(self.key, say("tone.digest_title"), drop_lines(drops, say))
