"""``/pulse setup``: admins choose the alert and digest channels, help channels, moderator
roles, language and digest schedule of their community, how it asks for profiles (the
welcome message on joining, the reminder delay, which questions), and its own hostility
terms."""

from __future__ import annotations

import asyncio
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.i18n import Translator
from bot.ports import CommandCall, Reply
from bot.settings import CommunitySettings, SettingsStore

# Slack writes <#C123|name>, Discord <#123>; a bare id is accepted too.
CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>|^([CGD][A-Z0-9]{6,}|\d{15,21})$")
# Slack user groups <!subteam^S123|@mods>, Discord roles <@&123>; or bare ids.
ROLE = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>|<@&(\d+)>|^(S[A-Z0-9]{6,}|\d{15,21})$")
# Slack <@U123|name>, Discord <@123> or <@!123>; or bare ids.
USER = re.compile(r"^<@!?([A-Z0-9]{2,}|\d{5,21})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{6,}|\d{15,21})$")
SETTINGS = (
    "alerts",
    "digest",
    "help",
    "moderators",
    "locale",
    "schedule",
    "staff",
    "ambassador",
    "welcome",
    "reminder",
    "questions",
    "hostile-terms",
    "not-hostile-terms",
)
MAX_REMINDER_HOURS = 24 * 90
SWITCHES = {"on": True, "off": False, "yes": True, "no": False}
TERMS = {"hostile-terms": "hostile_terms", "not-hostile-terms": "not_hostile_terms"}
MAX_TERM = 60
MAX_TERMS = 500
SHOWN_TERMS = 600  # characters of a term list shown in the settings (platform field limits)


def _references(text: str, pattern: re.Pattern[str]) -> list[str] | None:
    """Every id named in ``text`` by ``pattern``; None if any word is not such a reference."""
    found = []
    for word in text.split():
        match = pattern.search(word)
        if match is None:
            return None
        found.append(next(group for group in match.groups() if group))
    return found


def parse_terms(value: str) -> tuple[str, ...] | None:
    """Comma-separated words or phrases (lower-cased, deduplicated); () for "none"; None if
    empty or too long."""
    if value.strip().lower() == "none":
        return ()
    terms = tuple(dict.fromkeys(" ".join(t.split()).lower() for t in value.split(",")))
    terms = tuple(term for term in terms if term)
    if not terms or len(terms) > MAX_TERMS or any(len(term) > MAX_TERM for term in terms):
        return None
    return terms


def check_schedule(words: list[str]) -> tuple[str, str] | None:
    """(cron, timezone) when the words are a valid 5-field cron and optional IANA zone."""
    if len(words) not in (5, 6):
        return None
    cron, zone = " ".join(words[:5]), words[5] if len(words) == 6 else "UTC"
    try:
        CronTrigger.from_crontab(cron, timezone=ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return cron, zone


def _profile_changes(
    setting: str, value: str, question_ids: tuple[str, ...]
) -> dict[str, object] | str:
    """The changes of a profile setting (welcome, reminder, questions), or an error key."""
    words = value.lower().split()
    if setting == "welcome":
        switch = SWITCHES.get(words[0]) if len(words) == 1 else None
        return "setup.bad_switch" if switch is None else {"profile_welcome": switch}
    if setting == "reminder":
        if words == ["off"]:
            return {"profile_reminder_hours": 0.0}
        hours = words[0] if len(words) == 1 else ""
        if not (hours.isascii() and hours.isdigit()) or not 1 <= int(hours) <= MAX_REMINDER_HOURS:
            return "setup.bad_hours"
        return {"profile_reminder_hours": float(int(hours))}
    if words == ["all"]:
        return {"profile_questions": ()}
    if not words or any(word not in question_ids for word in words):
        return "setup.bad_questions"
    return {"profile_questions": tuple(q for q in question_ids if q in words)}


def _changes(
    setting: str, value: str, question_ids: tuple[str, ...] = ()
) -> dict[str, object] | str:
    """The settings changes a ``setup`` call asks for, or the catalogue key of its error."""
    words = value.split()
    if setting in ("welcome", "reminder", "questions"):
        return _profile_changes(setting, value, question_ids)
    if setting in ("alerts", "digest"):
        channels = _references(value, CHANNEL)
        if not channels or len(channels) != 1:
            return "setup.bad_channel"
        return {"alert_channel" if setting == "alerts" else "digest_channel": channels[0]}
    if setting == "help":
        channels = [] if value.strip().lower() == "none" else _references(value, CHANNEL)
        return "setup.bad_channel" if channels is None else {"help_channels": tuple(channels)}
    if setting == "moderators":
        roles = [] if value.strip().lower() == "none" else _references(value, ROLE)
        return "setup.bad_role" if roles is None else {"moderator_roles": tuple(roles)}
    if setting in ("staff", "ambassador"):
        return _people(setting, value)
    if setting == "locale":
        return {"locale": words[0]} if words and words[0] in ("en", "fr") else "setup.bad_locale"
    if setting in TERMS:
        terms = parse_terms(value)
        return "setup.bad_terms" if terms is None else {TERMS[setting]: terms}
    schedule = check_schedule(words)
    return (
        "setup.bad_schedule"
        if schedule is None
        else {"digest_cron": schedule[0], "timezone": schedule[1]}
    )


def _people(setting: str, value: str) -> dict[str, object] | str:
    """Changes for ``staff @member…`` and ``ambassador @role`` (``none`` clears either)."""
    cleared = value.strip().lower() == "none"
    if setting == "staff":
        users = [] if cleared else _references(value, USER)
        return "setup.bad_user" if users is None else {"staff_user_ids": tuple(users)}
    roles = [] if cleared else _references(value, ROLE)
    if roles is None or len(roles) > 1 or (not roles and not cleared):
        return "setup.bad_role"
    return {"ambassador_role": roles[0] if roles else None}


def _switch(value: bool | None, say: Translator) -> str:
    """On, off, or the configured default."""
    return say("setup.default") if value is None else say("setup.on" if value else "setup.off")


def _hours(value: float | None, say: Translator) -> str:
    """A reminder delay in hours, off, or the configured default."""
    if value is None:
        return say("setup.default")
    return say("setup.off") if value == 0 else say("setup.hours", hours=f"{value:g}")


def describe(settings: CommunitySettings, say: Translator) -> Reply:
    """The current settings as a reply."""
    none = say("setup.none")

    def channels(ids: tuple[str, ...]) -> str:
        """Channel mentions, or "not set"."""
        return " ".join(f"<#{channel}>" for channel in ids) or none

    def terms(listed: tuple[str, ...]) -> str:
        """A term list cut to what a platform field can show, or "not set"."""
        shown = ", ".join(listed)
        return (shown[:SHOWN_TERMS] + "…" if len(shown) > SHOWN_TERMS else shown) or none

    fields = (
        (say("setup.alerts"), channels(tuple(filter(None, [settings.alert_channel])))),
        (say("setup.digest"), channels(tuple(filter(None, [settings.digest_channel])))),
        (say("setup.help"), channels(settings.help_channels)),
        (say("setup.moderators"), " ".join(settings.moderator_roles) or none),
        (say("setup.locale"), settings.locale or none),
        (say("setup.schedule"), f"{settings.digest_cron} ({settings.timezone})"),
        (say("setup.staff"), " ".join(f"<@{user}>" for user in settings.staff_user_ids) or none),
        (say("setup.ambassador"), settings.ambassador_role or none),
        (say("setup.welcome"), _switch(settings.profile_welcome, say)),
        (say("setup.reminder"), _hours(settings.profile_reminder_hours, say)),
        (say("setup.questions"), " ".join(settings.profile_questions) or say("setup.all")),
        (say("setup.hostile_terms"), terms(settings.hostile_terms)),
        (say("setup.not_hostile_terms"), terms(settings.not_hostile_terms)),
    )
    return Reply(title=say("setup.title"), fields=fields, footer=say("setup.usage"))


async def setup_command(
    store: SettingsStore,
    call: CommandCall,
    say: Translator,
    *,
    question_ids: tuple[str, ...] = (),
) -> Reply:
    """Show the settings, or change one and show the result (``question_ids``: the askable)."""
    setting, _, value = call.argument.strip().partition(" ")
    setting = setting.lower()
    if not setting:
        return describe(await asyncio.to_thread(store.get, call.community), say)
    if setting not in SETTINGS:
        return Reply(lines=(say("setup.usage"),))
    changes = _changes(setting, value.strip(), question_ids)
    if isinstance(changes, str):
        known = ", ".join(question_ids)
        return Reply(
            lines=(say(changes, value=value.strip()[:80], known=known), say("setup.usage"))
        )
    settings = await asyncio.to_thread(lambda: store.update(call.community, **changes))
    shown = describe(settings, Translator(settings.locale or say.locale))
    return Reply(title=shown.title, lines=(say("setup.saved"),), fields=shown.fields)
