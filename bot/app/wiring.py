"""Commands, buttons, listeners and jobs of each use case, registered on the Services."""

from __future__ import annotations

from functools import partial

from bot.app.services import Services
from bot.digest.commands import DigestCommand
from bot.digest.jobs import DigestScheduler
from bot.expert_commands import experts_command, unanswered_command
from bot.expert_radar import HANDLED_ACTION, RADAR_SECONDS, SNOOZE_ACTION, Radar
from bot.experts import Experts
from bot.insight.commands import InsightCommands
from bot.insight.jobs import InsightJobs
from bot.linking import Linking
from bot.member_card import MemberCards
from bot.member_view import MemberView
from bot.ports import Role
from bot.profile_forms import PROFILE_FORM
from bot.profile_prompts import REMINDER_CHECK_SECONDS
from bot.profile_service import LINK_ACTION, OPEN_ACTION
from bot.tone_actions import ToneCases
from bot.tone_alerts import ToneAlerts
from bot.tone_digest import ToneSection
from bot.tone_trends import tone_command


def install_engagement(services: Services, cards: MemberCards) -> None:
    """Engagement commands, ambassador buttons, staff and level jobs, digest jobs, and
    ``/pulse member``: the profile card, then the member's level and activity."""
    engine, settings, clock = services.engine, services.settings, services.now
    outbox_for = services.outbox_for
    insight = InsightCommands(services.engagement, settings, now=clock, outbox_for=outbox_for)
    insight.install(services.commands, services.actions)
    member = MemberView(cards, insight)
    services.commands.register("member", Role.MODERATOR, member.command)
    services.commands.register("digest", Role.MODERATOR, DigestCommand(services.digests, clock))
    InsightJobs(
        services.engagement, engine, settings, services.config, outbox_for=outbox_for, now=clock
    ).install(services.scheduler)
    DigestScheduler(services.scheduler, services.digests, engine, settings, now=clock).install()


def register_profiles(services: Services, linking: Linking) -> None:
    """The profile and privacy commands, their buttons, the form and the reminder job."""
    commands, actions, privacy = services.commands, services.actions, services.privacy
    commands.register("profile", Role.MEMBER, services.profiles.command)
    commands.register("privacy", Role.MEMBER, privacy.command)
    actions.register(OPEN_ACTION, Role.MEMBER, services.profiles.open_action)
    actions.register(LINK_ACTION, Role.MEMBER, linking.issue_action)
    actions.register("privacy.export", Role.MEMBER, privacy.export)
    actions.register("privacy.delete", Role.MEMBER, privacy.ask_delete)
    actions.register("privacy.delete_confirm", Role.MEMBER, privacy.delete)
    actions.register("privacy.optout", Role.MEMBER, privacy.ask_opt_out)
    actions.register("privacy.optout_confirm", Role.MEMBER, privacy.opt_out)
    actions.register("privacy.optin", Role.MEMBER, privacy.opt_in)
    services.forms.register(PROFILE_FORM, services.profiles.submit)

    async def remind() -> None:
        """The reminder job: send the reminders that are due."""
        await services.prompts.send_reminders()

    services.scheduler.every("profile.reminders", REMINDER_CHECK_SECONDS, remind)


def wire_tone(services: Services) -> None:
    """Hostility alerts on every commit, their buttons, and ``/pulse tone``."""
    engine, settings, clock = services.engine, services.settings, services.now
    outbox_for = services.outbox_if_connected
    services.alerts = ToneAlerts(
        engine, settings, outbox_for, locale=services.config.locale, now=clock
    )
    services.writer.add_listener(services.alerts.on_commit)
    ToneCases(engine, settings, outbox_for, now=clock).register(services.actions)
    services.commands.register("tone", Role.MODERATOR, partial(tone_command, engine, clock))
    services.digests.register(ToneSection(engine))


def wire_experts(services: Services) -> None:
    """Questions and answers on every commit, expert mentions, the radar, and its commands."""
    experts = Experts(
        services.engine,
        services.settings,
        services.outbox_if_connected,
        optouts=services.optouts,
        locale=services.config.locale,
        now=services.now,
    )
    services.experts = experts
    services.writer.add_listener(experts.on_commit)
    radar = Radar(experts, services.settings)
    commands, actions = services.commands, services.actions
    commands.register("experts", Role.MEMBER, partial(experts_command, experts))
    commands.register("unanswered", Role.MODERATOR, partial(unanswered_command, experts))
    actions.register(HANDLED_ACTION, Role.MODERATOR, radar.handled)
    actions.register(SNOOZE_ACTION, Role.MODERATOR, radar.snooze)
    services.scheduler.every("experts.radar", RADAR_SECONDS, radar.sweep)
