"""The profile, privacy, engagement and digest use cases, each built on the shared base."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.services import Base
from bot.digest.service import DigestService
from bot.insight.jobs import config_staff, policies_from
from bot.insight.service import EngagementService
from bot.linking import Linking
from bot.member_card import MemberCards
from bot.privacy import Privacy
from bot.profile_prompts import ProfilePrompts
from bot.profile_service import ProfileService
from bot.rollups import Rollups


@dataclass
class ProfileParts:
    """The profile and privacy use cases."""

    profiles: ProfileService
    prompts: ProfilePrompts
    privacy: Privacy
    linking: Linking
    cards: MemberCards


def profile_parts(base: Base) -> ProfileParts:
    """Forms, prompts, privacy controls, linking and member cards, wired to the base."""
    locale_for, clock, edges = base.commands.locale_for, base.clock, base.edges
    linking = Linking(base.engine, now=clock, locale_for=locale_for)
    profiles = ProfileService(
        base.engine,
        base.settings,
        base.config.profile,
        locale_for=locale_for,
        now=clock,
        capacity_for=edges.capacity_for,
        linking=linking,
    )
    prompts = ProfilePrompts(
        base.engine,
        base.settings,
        base.config.profile,
        optouts=base.optouts,
        now=clock,
        locale_for=locale_for,
        outbox_for=edges.outbox_for,
        claim=base.scheduler.claim,
    )
    privacy = Privacy(
        base.engine,
        writer=base.writer,
        store=base.store,
        settings=base.settings,
        optouts=base.optouts,
        drafts=profiles.drafts,
        now=clock,
        locale_for=locale_for,
        outbox_for=edges.outbox_for,
        questionnaire_for=profiles.questionnaire_for,
        store_text=base.config.privacy.store_message_text,
    )
    cards = MemberCards(base.engine, now=clock, questionnaire_for=profiles.questionnaire_for)
    return ProfileParts(profiles, prompts, privacy, linking, cards)


@dataclass
class DigestParts:
    """The engagement and digest use cases."""

    rollups: Rollups
    engagement: EngagementService
    digests: DigestService


def digest_parts(base: Base) -> DigestParts:
    """Roll-ups, engagement levels and the digest, wired to the base."""
    config, engine, settings = base.config, base.engine, base.settings
    rollups = Rollups(engine)
    engagement = EngagementService(
        engine, settings, policies_from(config.engagement), config_staff=config_staff(config)
    )
    digests = DigestService(
        engine,
        rollups,
        settings,
        base.scheduler,
        locale=config.locale,
        now=base.clock,
        outbox_for=base.edges.outbox_for,
        engagement=engagement,
    )
    return DigestParts(rollups, engagement, digests)
