"""The weekly digest: headline KPIs with week-over-week change, charts, and sections from
every feature that registers a provider, posted once per community and period."""

from bot.digest.model import Digest, DigestContext, DigestSection, SectionProvider

__all__ = ["Digest", "DigestContext", "DigestSection", "SectionProvider"]
