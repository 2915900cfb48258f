"""Member profiles, the use cases: open the form, take a submission, store it with consent.

Rules live in ``bot.profiles`` (validation, consent, the save-or-not decision) and
``bot.profile_forms`` (pages and fields); this module loads what is stored, calls them and
saves in one transaction, so a profile is never half-saved. Answers typed on earlier
pages of a multi-page form are kept in memory only, and only until the form is finished
or abandoned: nothing is written before the member agrees to the notice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from bot import profile_forms as pf
from bot.forms import community_of
from bot.i18n import Translator
from bot.linking import Linking
from bot.ports import (
    ActionCall,
    Button,
    ButtonStyle,
    CommandCall,
    FieldValue,
    FormResult,
    FormSubmission,
    Reply,
    ReplyOrForm,
)
from bot.profiles import Consent, Outcome, ProfileConfig, Questionnaire, decide, validate
from bot.profiles.consent import notice_keys
from bot.settings import SettingsStore
from storage import members
from storage import profiles as db

Now = Callable[[], datetime]
LocaleFor = Callable[[str], Awaitable[str]]
DRAFT_SECONDS = 1800.0
OPEN_ACTION = "profile.open"
LINK_ACTION = "profile.link"


def narrowed(base: Questionnaire, chosen: tuple[str, ...]) -> Questionnaire:
    """A questionnaire keeping only the chosen questions (all of them when none is chosen)."""
    questions = tuple(q for q in base.questions if not chosen or q.id in chosen)
    if not questions or len(questions) == len(base.questions):
        return base
    return Questionnaire(questions, base.notice_version, base.synonyms, base.notice)


class Drafts:
    """Answers of unfinished multi-page forms, by (community, user), forgotten after a while."""

    def __init__(self, seconds: float = DRAFT_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._seconds = seconds
        self._clock = clock
        self._drafts: dict[tuple[str, str], tuple[float, pf.Draft]] = {}

    def get(self, community: str, user_id: str) -> pf.Draft | None:
        """The live draft of a member, if any."""
        found = self._drafts.get((community, user_id))
        if found is None or found[0] < self._clock():
            self._drafts.pop((community, user_id), None)
            return None
        return found[1]

    def put(self, community: str, user_id: str, draft: pf.Draft) -> None:
        """Keep a draft (and drop expired ones, so abandoned forms do not pile up)."""
        now = self._clock()
        for key in [key for key, (until, _) in self._drafts.items() if until < now]:
            del self._drafts[key]
        self._drafts[(community, user_id)] = (now + self._seconds, draft)

    def pop(self, community: str, user_id: str) -> None:
        """Forget a member's draft."""
        self._drafts.pop((community, user_id), None)

    def forget_community(self, community: str) -> None:
        """Forget every draft of a community."""
        for key in [key for key in self._drafts if key[0] == community]:
            del self._drafts[key]


@dataclass(frozen=True)
class Context:
    """What a form needs to know about a member: questionnaire, stored profile, membership."""

    questionnaire: Questionnaire
    account: db.Account | None
    stored: db.StoredProfile | None
    facts: members.MemberFacts | None

    @property
    def consent(self) -> Consent | None:
        """The consent that counts: to the current notice if given, else the latest one."""
        if self.stored is None:
            return None
        version = self.questionnaire.notice_version
        given = self.stored.consent_for(version)
        latest = (version, given) if given is not None else self.stored.latest_consent()
        if latest is None:
            return None
        return Consent(latest[0], datetime.fromtimestamp(latest[1] / 1000, tz=UTC))

    @property
    def consent_needed(self) -> bool:
        """Whether the form must show the notice and ask for agreement."""
        return bool(notice_keys(self.consent, self.questionnaire.notice_version))

    @property
    def values(self) -> dict[str, FieldValue]:
        """Stored answers to this community's questions."""
        if self.stored is None:
            return {}
        return {k: v for k, v in self.stored.values.items() if k in self.questionnaire.ids}

    def gone(self, live: bool) -> bool:
        """True when the member left, or the community is gone (asked from outside it)."""
        if self.facts is not None and self.facts.has_left:
            return True
        return self.account is None and not live


class ProfileService:
    """Opens profile forms and takes their submissions."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        config: ProfileConfig,
        *,
        locale_for: LocaleFor,
        now: Now,
        capacity_for: Callable[[str], int],
        drafts: Drafts | None = None,
        linking: Linking | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._questionnaire = config.build()
        self._locale_for = locale_for
        self._now = now
        self._capacity_for = capacity_for
        self.drafts = drafts or Drafts()
        self._linking = linking

    def questionnaire_for(self, community: str) -> Questionnaire:
        """The configured questionnaire, narrowed to the questions the community chose."""
        return narrowed(self._questionnaire, self._settings.get(community).profile_questions)

    def context(self, community: str, user_id: str) -> Context:
        """Load what the forms need about a member (blocking)."""
        questionnaire = self.questionnaire_for(community)
        with self._engine.connect() as connection:
            who = db.account(connection, community, user_id)
            stored = db.profile_of(connection, who) if who else None
            facts = members.member_facts(connection, who) if who else None
        return Context(questionnaire, who, stored, facts)

    def _pages(self, context: Context, community: str) -> tuple[pf.Step, ...]:
        """The form's pages for this member on this community's platform."""
        capacity = self._capacity_for(community)
        return pf.pages(context.questionnaire, capacity, consent_needed=context.consent_needed)

    async def command(self, call: CommandCall, say: Translator) -> ReplyOrForm:
        """``/pulse profile`` opens the form; ``link`` gives a code, ``link <code>`` uses one."""
        word, _, rest = call.argument.strip().partition(" ")
        if not word:
            return await self.open_form(call.community, call.user_id, 1, live=True)
        if word.lower() == "link" and self._linking is not None:
            if rest.strip():
                return await self._linking.redeem(call.community, call.user_id, rest)
            return await self._linking.issue(call.community, call.user_id)
        return Reply(lines=(say("profile.usage"),))

    async def open_action(self, call: ActionCall, say: Translator) -> ReplyOrForm:
        """A click on "fill in my profile", "continue" or "fix my answers": that page."""
        parsed = pf.parse_state(call.value)
        community = community_of(call.community, parsed[0]) if parsed else None
        if parsed is None or community is None:
            return Reply(lines=(say("action.unknown"),))
        return await self.open_form(
            community, call.user_id, parsed[1], live=community == call.community
        )

    async def open_form(
        self, community: str, user_id: str, step: int, *, live: bool
    ) -> ReplyOrForm:
        """Page ``step`` of a member's form, pre-filled with their draft or stored answers."""
        say = Translator(await self._locale_for(community))
        context = await asyncio.to_thread(self.context, community, user_id)
        if context.gone(live):
            return Reply(lines=(say("profile.gone"),))
        steps = self._pages(context, community)
        draft = self.drafts.get(community, user_id)
        if step > len(steps) or (step > 1 and context.consent_needed and not draft):
            step = 1
        stored = pf.stored_as_raw(context.questionnaire, context.values, say.locale)
        initial = {**stored, **(draft.raw if draft else {})}
        keys = notice_keys(context.consent, context.questionnaire.notice_version)
        notice = pf.notice_lines(context.questionnaire, keys, say)
        agreed = bool(draft and draft.agreed)
        return pf.build_form(
            context.questionnaire,
            community,
            step,
            steps,
            initial=initial,
            say=say,
            notice=notice,
            agreed=agreed,
        )

    async def submit(self, submission: FormSubmission, say: Translator) -> FormResult:
        """Take one page of the form: send it back with errors, move on, or save everything."""
        parsed = pf.parse_state(submission.state)
        community = community_of(submission.community, parsed[0]) if parsed else None
        if parsed is None or community is None:
            return FormResult(Reply(lines=(say("form.unknown"),)))
        say = Translator(await self._locale_for(community))
        user = submission.user_id
        context = await asyncio.to_thread(self.context, community, user)
        if context.gone(live=community == submission.community):
            self.drafts.pop(community, user)
            return FormResult(Reply(lines=(say("profile.gone"),)))
        steps = self._pages(context, community)
        step = parsed[1]
        if not 1 <= step <= len(steps):
            return self._restart(community, say)
        page = {question.id for question in steps[step - 1]}
        draft = self.drafts.get(community, user) or pf.Draft()
        stored = pf.stored_as_raw(context.questionnaire, context.values, say.locale)
        typed = {qid: submission.values.get(qid, "") for qid in page}
        raw = {**stored, **draft.raw, **typed}
        agreed = draft.agreed
        if step == 1 and context.consent_needed:
            agreed = pf.agreed_in(submission.values.get(pf.CONSENT_FIELD))
        self.drafts.put(community, user, pf.Draft(raw, agreed))
        if context.consent_needed and not agreed:
            if step > 1:
                return self._restart(community, say)
            refusal = {pf.CONSENT_FIELD: say("profile.consent_needed_field")}
            return self._sent_back(community, 1, refusal, say("profile.consent_needed"), say)
        checked = validate(context.questionnaire, raw, say.locale, question_ids=page)
        if not checked.ok:
            errors = {qid: pf.error_text(error, say) for qid, error in checked.errors.items()}
            return self._sent_back(community, step, errors, say("profile.errors_intro"), say)
        if step < len(steps):
            return self._next_page(community, step + 1, len(steps), say)
        return await self._finish((community, user), context, pf.Draft(raw, agreed), steps, say)

    async def _finish(
        self,
        member: tuple[str, str],
        context: Context,
        draft: pf.Draft,
        steps: tuple[pf.Step, ...],
        say: Translator,
    ) -> FormResult:
        """The last page is valid: decide on the whole form and save it in one go."""
        community, user = member
        now = self._now()
        decision = decide(
            context.questionnaire,
            draft.raw,
            say.locale,
            now=now,
            agreed=draft.agreed,
            stored_consent=context.consent,
            stored_values=context.values,
        )
        if decision.outcome is Outcome.INVALID:
            errors = {qid: pf.error_text(error, say) for qid, error in decision.errors.items()}
            first = pf.page_of(steps, set(errors))
            return self._sent_back(community, first, errors, say(decision.message_key), say)
        if decision.outcome is Outcome.NEEDS_CONSENT:
            return self._restart(community, say)
        if decision.outcome is Outcome.SAVE:
            kept = {
                k: v
                for k, v in (context.stored.values if context.stored else {}).items()
                if k not in context.questionnaire.ids
            }
            consent = decision.consent
            assert consent is not None
            given = (consent.notice_version, int(consent.given_at.timestamp() * 1000))
            values = {**kept, **decision.values}
            await asyncio.to_thread(self._save, community, user, values, given, now)
        self.drafts.pop(community, user)
        link = Button(LINK_ACTION, say("link.button"), community)
        lines = (say(decision.message_key), say("profile.saved_more"))
        return FormResult(Reply(lines=lines, buttons=(link,)))

    def _save(
        self,
        community: str,
        user: str,
        values: Mapping[str, db.StoredValue],
        consent: tuple[int, int],
        now: datetime,
    ) -> None:
        """Store answers and consent together, retrying once if a parallel save won a race."""
        now_ms = int(now.timestamp() * 1000)
        for attempt in (1, 2):
            try:
                with self._engine.begin() as connection:
                    community_id = db.ensure_community(connection, community, now_ms)
                    who = db.Account(community_id, community, user)
                    db.save_profile(connection, who, values, consent, now_ms)
                    members.close_prompt(connection, who, None)
                return
            except sa.exc.IntegrityError:
                if attempt == 2:
                    raise

    def _sent_back(
        self, community: str, step: int, errors: Mapping[str, str], intro: str, say: Translator
    ) -> FormResult:
        """The form goes back: errors by field, and a reply with a button to reopen it."""
        lines = [intro, *(f"• {text}" for text in errors.values())]
        button = Button(
            OPEN_ACTION, say("profile.form.fix"), pf.state(community, step), ButtonStyle.PRIMARY
        )
        return FormResult(Reply(lines=tuple(lines), buttons=(button,)), errors=dict(errors))

    def _next_page(self, community: str, step: int, steps: int, say: Translator) -> FormResult:
        """A page is done: a button opens the next (a form cannot open another form)."""
        label = say("profile.form.continue", step=step, steps=steps)
        button = Button(OPEN_ACTION, label, pf.state(community, step), ButtonStyle.PRIMARY)
        lines = (say("profile.page_done", step=step - 1, steps=steps),)
        return FormResult(Reply(lines=lines, buttons=(button,)))

    def _restart(self, community: str, say: Translator) -> FormResult:
        """The form is out of date (expired, or the questions changed): start again."""
        button = Button(
            OPEN_ACTION, say("profile.form.restart"), pf.state(community, 1), ButtonStyle.PRIMARY
        )
        return FormResult(Reply(lines=(say("profile.expired"),), buttons=(button,)))
